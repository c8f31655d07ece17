"""The handoff on top of the ticket store: conversation owners, the agent queue, claims, replies, resolution,
satisfaction, reopening, agent accounts and login attempts. Used by the Rasa-side handoff and the console."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from bot.constants import Role, TicketStatus
from bot.db.column_types import utc_now
from bot.handoff.models import Agent, AgentRole, ConversationOwner, LoginAttempt, Owner
from bot.runtime.settings import PROJECT_ROOT
from bot.tickets.models import Attachment, EventKind, Ticket, TicketEvent, TicketMessage
from bot.tickets.store import TicketNotFound, TicketStore

__all__ = [
    "QUEUED_STATUSES",
    "AgentExists",
    "ClaimOutcome",
    "HandoffStore",
    "Owner",
    "TicketNotFound",
]

logger = logging.getLogger(__name__)

# A ticket waits in the queue in these statuses until an agent claims it.
QUEUED_STATUSES = (TicketStatus.WAITING_AGENT.value, TicketStatus.REOPENED.value)
# Queue order: priority first (urgent on top), then who has waited longest.
_PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
ATTACHMENTS_DIR = PROJECT_ROOT / "var" / "attachments"


class AgentExists(ValueError):
    """An agent with this username already exists."""


@dataclass(frozen=True)
class ClaimOutcome:
    """The result of a claim: whether this agent won, and who holds the ticket now."""

    won: bool
    assigned_to: str | None
    status: str


@dataclass(frozen=True)
class ChangeCursor:
    """Grows whenever a ticket, its transcript or its audit trail changes (the console's live updates)."""

    last_event_id: int
    last_message_id: int
    last_update: str

    def as_key(self) -> str:
        """A short string that differs whenever anything changed."""
        return f"{self.last_event_id}.{self.last_message_id}.{self.last_update}"


def _priority_rank() -> Any:
    """SQL expression ordering priorities urgent, high, normal, low (unknown last)."""
    return case(_PRIORITY_RANK, value=Ticket.priority, else_=len(_PRIORITY_RANK))


class HandoffStore(TicketStore):
    """The ticket store plus the handoff's tables (same database, same engine)."""

    def __init__(self, url: str, attachments_dir: Path | None = None) -> None:
        """Use the process-wide engine of `url`; attachment bytes go under `attachments_dir`."""
        super().__init__(url)
        self.url = url
        self.attachments_dir = attachments_dir or ATTACHMENTS_DIR

    # Conversation owners ------------------------------------------------------------------------------------

    @staticmethod
    def _set_owner(
        session: Session,
        sender_id: str,
        owner: Owner,
        *,
        channel: str,
        language: str,
        agent_username: str | None = None,
        reference: str | None = None,
    ) -> None:
        """Insert or update the owner row of a conversation inside `session`."""
        row = session.get(ConversationOwner, sender_id, with_for_update=True)
        if row is None:
            row = ConversationOwner(sender_id=sender_id)
            session.add(row)
        row.owner = owner.value
        row.channel = channel
        row.language = language
        row.agent_username = agent_username if owner == Owner.AGENT else None
        row.ticket_reference = reference
        row.updated_at = utc_now()

    def set_owner(
        self,
        sender_id: str,
        owner: Owner,
        *,
        channel: str,
        language: str,
        agent_username: str | None = None,
        reference: str | None = None,
    ) -> None:
        """Record who answers the conversation now (bot, queue or agent)."""
        self._write(
            lambda session: self._set_owner(
                session,
                sender_id,
                owner,
                channel=channel,
                language=language,
                agent_username=agent_username,
                reference=reference,
            )
        )

    def owner_of(self, sender_id: str) -> ConversationOwner | None:
        """The owner row of the conversation; None means the bot (never handed off)."""
        return self._read(lambda session: session.get(ConversationOwner, sender_id))

    def _owner_from_ticket(
        self, session: Session, ticket: Ticket, owner: Owner, agent_username: str | None = None
    ) -> None:
        """Point the ticket's conversation at `owner`."""
        self._set_owner(
            session,
            ticket.sender_id,
            owner,
            channel=ticket.channel,
            language=ticket.language,
            agent_username=agent_username,
            reference=ticket.reference,
        )

    # Queue --------------------------------------------------------------------------------------------------

    def _locked_ticket(self, session: Session, reference: str) -> Ticket:
        """The ticket row, locked for this transaction."""
        ticket = session.execute(
            select(Ticket).where(Ticket.reference == reference).with_for_update()
        ).scalar_one_or_none()
        if ticket is None:
            raise TicketNotFound(reference)
        return ticket

    @staticmethod
    def _event(session: Session, ticket: Ticket, kind: EventKind, actor: str, **detail: Any) -> None:
        """Append an audit event and bump the ticket's updated_at."""
        now = utc_now()
        ticket.updated_at = now
        session.add(TicketEvent(ticket_id=ticket.id, kind=kind.value, actor=actor, detail=detail, at=now))

    def enqueue(self, reference: str, reason: str, actor: str = "bot") -> Ticket:
        """Queue the ticket for an agent (waiting_agent, waiting since now, reason) and its conversation too.

        A ticket an agent already holds stays with that agent (the conversation stays theirs).
        """

        def work(session: Session) -> Ticket:
            ticket = self._locked_ticket(session, reference)
            if ticket.assigned_to and ticket.status == TicketStatus.ASSIGNED:
                self._owner_from_ticket(session, ticket, Owner.AGENT, ticket.assigned_to)
                return ticket
            old = ticket.status
            ticket.status = TicketStatus.WAITING_AGENT.value
            ticket.handoff_reason = reason
            ticket.assigned_to = None
            if old not in QUEUED_STATUSES or ticket.waiting_since is None:
                ticket.waiting_since = utc_now()
            self._owner_from_ticket(session, ticket, Owner.QUEUE)
            self._event(session, ticket, EventKind.HANDOFF, actor, reason=reason, old=old)
            session.flush()
            return ticket

        ticket = self._write(work)
        logger.info("%s queued for an agent (%s)", reference, reason)
        return ticket

    def leave_queue(self, reference: str, actor: str = "customer") -> Ticket:
        """The customer no longer wants a person: the ticket stays (open), the conversation is the bot's."""

        def work(session: Session) -> Ticket:
            ticket = self._locked_ticket(session, reference)
            if ticket.status in QUEUED_STATUSES and ticket.assigned_to is None:
                old = ticket.status
                ticket.status = TicketStatus.OPEN.value
                ticket.waiting_since = None
                self._event(session, ticket, EventKind.STATUS_CHANGED, actor, old=old, new=ticket.status)
            self._owner_from_ticket(session, ticket, Owner.BOT)
            session.flush()
            return ticket

        return self._write(work)

    def queue(self) -> list[Ticket]:
        """Tickets waiting for an agent, by priority then waiting time (longest first)."""
        query = (
            select(Ticket)
            .where(Ticket.status.in_(QUEUED_STATUSES), Ticket.assigned_to.is_(None))
            .order_by(_priority_rank(), Ticket.waiting_since, Ticket.id)
        )
        return self._read(lambda session: list(session.execute(query).scalars()))

    def queue_position(self, reference: str) -> int | None:
        """1-based place of the ticket in the queue, None when it is not waiting."""
        for position, ticket in enumerate(self.queue(), start=1):
            if ticket.reference == reference:
                return position
        return None

    def assigned(self, agent_username: str | None = None) -> list[Ticket]:
        """Tickets agents hold now (of one agent, or all), oldest handoff first."""
        query = select(Ticket).where(
            Ticket.status == TicketStatus.ASSIGNED.value, Ticket.assigned_to.is_not(None)
        )
        if agent_username is not None:
            query = query.where(Ticket.assigned_to == agent_username)
        query = query.order_by(_priority_rank(), Ticket.waiting_since, Ticket.id)
        return self._read(lambda session: list(session.execute(query).scalars()))

    def agent_loads(self) -> dict[str, int]:
        """How many tickets each active agent holds now (0 for the idle ones)."""

        def work(session: Session) -> dict[str, int]:
            loads = {
                name: 0
                for name in session.execute(
                    select(Agent.username).where(Agent.active.is_(True)).order_by(Agent.username)
                ).scalars()
            }
            counts = session.execute(
                select(Ticket.assigned_to, func.count())
                .where(Ticket.status == TicketStatus.ASSIGNED.value, Ticket.assigned_to.is_not(None))
                .group_by(Ticket.assigned_to)
            )
            for name, count in counts:
                loads[name] = int(count)
            return loads

        return self._read(work)

    # Claiming -----------------------------------------------------------------------------------------------

    def claim(self, reference: str, agent_username: str) -> ClaimOutcome:
        """Give a waiting ticket to this agent; of two concurrent claims exactly one wins.

        A conditional UPDATE (only while nobody holds it) decides: the database serialises the two writes and
        the loser's WHERE no longer matches.
        """

        def work(session: Session) -> ClaimOutcome:
            result = session.execute(
                update(Ticket)
                .where(
                    Ticket.reference == reference,
                    Ticket.assigned_to.is_(None),
                    Ticket.status.in_(QUEUED_STATUSES),
                )
                .values(assigned_to=agent_username, status=TicketStatus.ASSIGNED.value, updated_at=utc_now())
                .execution_options(synchronize_session=False)
            )
            ticket = session.execute(select(Ticket).where(Ticket.reference == reference)).scalar_one_or_none()
            if ticket is None:
                raise TicketNotFound(reference)
            if result.rowcount != 1:
                return ClaimOutcome(False, ticket.assigned_to, ticket.status)
            session.refresh(ticket)
            self._owner_from_ticket(session, ticket, Owner.AGENT, agent_username)
            self._event(session, ticket, EventKind.ASSIGNED, agent_username, old=None, new=agent_username)
            return ClaimOutcome(True, agent_username, ticket.status)

        outcome = self._write(work)
        logger.info("%s claim by %s: %s", reference, agent_username, "won" if outcome.won else "lost")
        return outcome

    def reassign(self, reference: str, agent_username: str, actor: str) -> Ticket:
        """Hand the ticket (and its conversation) to another agent (supervisors)."""

        def work(session: Session) -> Ticket:
            ticket = self._locked_ticket(session, reference)
            if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
                raise ValueError(f"{reference} is {ticket.status}")
            old = ticket.assigned_to
            ticket.assigned_to = agent_username
            ticket.status = TicketStatus.ASSIGNED.value
            self._owner_from_ticket(session, ticket, Owner.AGENT, agent_username)
            self._event(session, ticket, EventKind.ASSIGNED, actor, old=old, new=agent_username)
            session.flush()
            return ticket

        return self._write(work)

    # Transcript ---------------------------------------------------------------------------------------------

    def record_agent_reply(self, reference: str, agent_username: str, text: str, author: str) -> int:
        """Add the agent's line (delivery pending) to the transcript; the first one sets first_response_at.

        Returns the message id, for mark_delivery.
        """

        def work(session: Session) -> int:
            ticket = self._locked_ticket(session, reference)
            now = utc_now()
            message = TicketMessage(
                ticket_id=ticket.id,
                role=Role.AGENT.value,
                text=text,
                at=now,
                author=author,
                delivery="pending",
            )
            session.add(message)
            if ticket.first_response_at is None:
                ticket.first_response_at = now
                self._event(session, ticket, EventKind.FIRST_RESPONSE, agent_username)
            ticket.updated_at = now
            session.flush()
            return int(message.id)

        return self._write(work)

    def mark_delivery(self, message_id: int, delivered: bool, error: str | None = None) -> None:
        """Record whether an agent's line reached the customer (failed lines are shown with a retry)."""

        def work(session: Session) -> None:
            message = session.get(TicketMessage, message_id, with_for_update=True)
            if message is None:
                raise LookupError(f"no message {message_id}")
            message.delivery = "sent" if delivered else "failed"
            message.delivery_error = None if delivered else (error or "not delivered")[:2000]
            session.execute(update(Ticket).where(Ticket.id == message.ticket_id).values(updated_at=utc_now()))

        self._write(work)

    def message(self, message_id: int) -> TicketMessage | None:
        """One transcript line by id."""
        return self._read(lambda session: session.get(TicketMessage, message_id))

    def add_customer_message(self, reference: str, text: str) -> int:
        """A customer's line written during the handoff; returns its id."""

        def work(session: Session) -> int:
            ticket_id = session.execute(
                select(Ticket.id).where(Ticket.reference == reference)
            ).scalar_one_or_none()
            if ticket_id is None:
                raise TicketNotFound(reference)
            message = TicketMessage(ticket_id=ticket_id, role=Role.CUSTOMER.value, text=text, at=utc_now())
            session.add(message)
            session.flush()
            return int(message.id)

        return self._write(work)

    def add_attachment(
        self, reference: str, filename: str, content_type: str, content: bytes, caption: str | None = None
    ) -> Attachment:
        """Keep a file the customer sent (a Telegram photo) on the ticket, with its caption."""
        safe_name = Path(filename).name or "file"
        folder = self.attachments_dir / reference
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{uuid.uuid4().hex}-{safe_name}"
        path.write_bytes(content)

        def work(session: Session) -> Attachment:
            ticket = self._locked_ticket(session, reference)
            now = utc_now()
            attachment = Attachment(
                ticket_id=ticket.id,
                conversation_id=ticket.sender_id,
                channel=ticket.channel,
                caption=caption,
                filename=safe_name[:255],
                content_type=content_type[:127],
                size=len(content),
                storage_path=str(path),
                uploaded_at=now,
            )
            session.add(attachment)
            ticket.updated_at = now
            session.flush()
            return attachment

        return self._write(work)

    def attachment(self, attachment_id: int) -> Attachment | None:
        """One attachment by id."""
        return self._read(lambda session: session.get(Attachment, attachment_id))

    def attachments(self, reference: str) -> list[Attachment]:
        """The ticket's attachments, oldest first."""
        query = (
            select(Attachment)
            .join(Ticket, Ticket.id == Attachment.ticket_id)
            .where(Ticket.reference == reference)
            .order_by(Attachment.id)
        )
        return self._read(lambda session: list(session.execute(query).scalars()))

    def events(self, reference: str) -> list[TicketEvent]:
        """The ticket's audit trail, oldest first."""
        query = (
            select(TicketEvent)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.reference == reference)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
        return self._read(lambda session: list(session.execute(query).scalars()))

    # Handling steps -----------------------------------------------------------------------------------------

    def check_step(self, reference: str, step: str, done: bool, actor: str) -> None:
        """Tick (or untick) a suggested handling step; the audit trail records it."""

        def work(session: Session) -> None:
            ticket = self._locked_ticket(session, reference)
            self._event(session, ticket, EventKind.STEP_CHECKED, actor, step=step, done=done)

        self._write(work)

    def steps_done(self, reference: str) -> set[str]:
        """Handling steps ticked on the ticket (the latest tick or untick of each counts)."""
        done: dict[str, bool] = {}
        for event in self.events(reference):
            if event.kind == EventKind.STEP_CHECKED:
                done[str(event.detail.get("step"))] = bool(event.detail.get("done"))
        return {step for step, ticked in done.items() if ticked}

    # Resolution, satisfaction, reopening -------------------------------------------------------------------

    def resolve(self, reference: str, agent_username: str, resolution: str) -> Ticket:
        """Resolved with a summary; the conversation goes back to the bot."""

        def work(session: Session) -> Ticket:
            ticket = self._locked_ticket(session, reference)
            old = ticket.status
            ticket.status = TicketStatus.RESOLVED.value
            ticket.resolution = resolution
            ticket.resolved_at = utc_now()
            ticket.waiting_since = None
            self._owner_from_ticket(session, ticket, Owner.BOT)
            self._event(session, ticket, EventKind.RESOLVED, agent_username, old=old, resolution=resolution)
            session.flush()
            return ticket

        ticket = self._write(work)
        logger.info("%s resolved by %s", reference, agent_username)
        return ticket

    def set_csat(
        self, reference: str, rating: int, comment: str | None = None, actor: str = "customer"
    ) -> Ticket:
        """The customer's 1-5 satisfaction rating (and optional comment) after resolution."""
        if not 1 <= int(rating) <= 5:
            raise ValueError(f"rating {rating!r} is not 1-5")

        def work(session: Session) -> Ticket:
            ticket = self._locked_ticket(session, reference)
            ticket.csat = int(rating)
            if comment is not None:
                ticket.csat_comment = comment
            self._event(session, ticket, EventKind.CSAT, actor, rating=int(rating), comment=comment)
            session.flush()
            return ticket

        return self._write(work)

    def set_csat_comment(self, reference: str, comment: str, actor: str = "customer") -> Ticket:
        """The comment that follows a rating."""

        def work(session: Session) -> Ticket:
            ticket = self._locked_ticket(session, reference)
            ticket.csat_comment = comment
            self._event(session, ticket, EventKind.CSAT, actor, rating=ticket.csat, comment=comment)
            session.flush()
            return ticket

        return self._write(work)

    def reopen(self, reference: str, reason: str = "reopened", actor: str = "customer") -> Ticket:
        """Not solved after all: status reopened, back in the queue with its history (count kept)."""

        def work(session: Session) -> Ticket:
            ticket = self._locked_ticket(session, reference)
            old = ticket.status
            ticket.status = TicketStatus.REOPENED.value
            ticket.reopened_count = (ticket.reopened_count or 0) + 1
            ticket.assigned_to = None
            ticket.handoff_reason = reason
            ticket.waiting_since = utc_now()
            self._owner_from_ticket(session, ticket, Owner.QUEUE)
            self._event(session, ticket, EventKind.REOPENED, actor, old=old, count=ticket.reopened_count)
            session.flush()
            return ticket

        return self._write(work)

    def recently_resolved(self, sender_id: str, since: dt.datetime) -> Ticket | None:
        """The conversation's latest ticket resolved at or after `since` (reopening window)."""
        query = (
            select(Ticket)
            .where(
                Ticket.sender_id == sender_id,
                Ticket.status == TicketStatus.RESOLVED.value,
                Ticket.resolved_at >= since,
            )
            .order_by(Ticket.resolved_at.desc())
            .limit(1)
        )
        return self._read(lambda session: session.execute(query).scalar_one_or_none())

    # Live updates -------------------------------------------------------------------------------------------

    def change_cursor(self) -> ChangeCursor:
        """Where the tickets, transcripts, audit trails and attachments are now (cheap aggregate lookups)."""

        def work(session: Session) -> ChangeCursor:
            row = session.execute(
                select(
                    select(func.max(TicketEvent.id)).scalar_subquery(),
                    select(func.max(TicketMessage.id)).scalar_subquery(),
                    select(func.max(Ticket.updated_at)).scalar_subquery(),
                    # Channels link waiting photos to tickets later (ticket_id set on an existing row).
                    select(func.count(Attachment.ticket_id)).scalar_subquery(),
                )
            ).one()
            return ChangeCursor(int(row[0] or 0), int(row[1] or 0), f"{row[2] or ''}/{int(row[3] or 0)}")

        return self._read(work)

    # Agents -------------------------------------------------------------------------------------------------

    def add_agent(
        self, username: str, display_name: str, role: AgentRole, password_hash: str, language: str = "zh"
    ) -> Agent:
        """Create a console account; AgentExists if the username is taken."""

        def work(session: Session) -> Agent:
            if session.execute(select(Agent.id).where(Agent.username == username)).first() is not None:
                raise AgentExists(username)
            agent = Agent(
                username=username,
                display_name=display_name,
                role=role.value,
                password_hash=password_hash,
                language=language,
                active=True,
                created_at=utc_now(),
            )
            session.add(agent)
            session.flush()
            return agent

        return self._write(work)

    def agent(self, username: str) -> Agent | None:
        """The account with this username (active or not)."""
        return self._read(
            lambda session: session.execute(
                select(Agent).where(Agent.username == username)
            ).scalar_one_or_none()
        )

    def agents(self) -> list[Agent]:
        """Every account, by username."""
        return self._read(
            lambda session: list(session.execute(select(Agent).order_by(Agent.username)).scalars())
        )

    def set_agent_password(self, username: str, password_hash: str) -> None:
        """Replace an agent's password hash (a rehash after login, or a reset)."""
        self._write(
            lambda session: session.execute(
                update(Agent).where(Agent.username == username).values(password_hash=password_hash)
            )
        )

    def set_agent_active(self, username: str, active: bool) -> bool:
        """Unlock an account, or lock it out (its session ends on its next request); False if unknown."""

        def work(session: Session) -> bool:
            result = session.execute(update(Agent).where(Agent.username == username).values(active=active))
            return bool(result.rowcount)

        return self._write(work)

    def set_agent_language(self, username: str, language: str) -> None:
        """The console language the agent chose."""
        self._write(
            lambda session: session.execute(
                update(Agent).where(Agent.username == username).values(language=language)
            )
        )

    # Login attempts -----------------------------------------------------------------------------------------

    def record_login(self, username: str, ip: str, success: bool) -> None:
        """Remember a login attempt (throttling counts the failures)."""
        self._write(
            lambda session: session.add(
                LoginAttempt(username=username[:64], ip=ip[:64], at=utc_now(), success=success)
            )
        )

    def failed_logins(self, since: dt.datetime, *, username: str | None = None, ip: str | None = None) -> int:
        """Failed attempts since `since` for this username and/or address, after their last success."""

        def work(session: Session) -> int:
            filters: Sequence[Any] = []
            if username is not None:
                filters = [*filters, LoginAttempt.username == username[:64]]
            if ip is not None:
                filters = [*filters, LoginAttempt.ip == ip[:64]]
            last_success = session.execute(
                select(func.max(LoginAttempt.at)).where(*filters, LoginAttempt.success.is_(True))
            ).scalar()
            start = max(since, last_success) if last_success else since
            return int(
                session.execute(
                    select(func.count()).where(
                        *filters, LoginAttempt.success.is_(False), LoginAttempt.at > start
                    )
                ).scalar()
                or 0
            )

        return self._read(work)

    def forget_logins_before(self, before: dt.datetime) -> None:
        """Drop attempts older than any throttling window."""
        self._write(lambda session: session.execute(delete(LoginAttempt).where(LoginAttempt.at < before)))

"""A ticket as the JSON document the CLI prints and the agent console serves (fixed field names)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from bot.constants import Role
from bot.tickets.draft import DETAIL_FIELDS
from bot.tickets.models import Attachment, Ticket, TicketMessage

IDENTITY_FIELDS = ("reference", "category", "status", "priority", "channel", "sender_id", "language")
# Set by the handoff to an agent (bot.handoff.store).
HANDOFF_FIELDS = (
    "handoff_reason",
    "waiting_since",
    "first_response_at",
    "resolved_at",
    "resolution",
    "csat",
    "csat_comment",
    "reopened_count",
)


def _json_value(value: Any) -> Any:
    """Dates as ISO strings, amounts as numbers (whole yuan as integers)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _price_jump(ticket: Ticket) -> int | float | None:
    """How much more the customer was asked or made to pay than first quoted (None without both amounts)."""
    if ticket.quoted_amount is None or ticket.charged_amount is None:
        return None
    return _json_value(Decimal(ticket.charged_amount) - Decimal(ticket.quoted_amount))


def ticket_to_dict(ticket: Ticket) -> dict[str, Any]:
    """Every field of the ticket plus its transcript as a list of {role, text, at}."""
    document: dict[str, Any] = {name: getattr(ticket, name) for name in IDENTITY_FIELDS}
    document.update({name: _json_value(getattr(ticket, name)) for name in DETAIL_FIELDS})
    document["price_jump"] = _price_jump(ticket)
    document["assigned_to"] = ticket.assigned_to
    document["created_at"] = _json_value(ticket.created_at)
    document["updated_at"] = _json_value(ticket.updated_at)
    for name in HANDOFF_FIELDS:
        document[name] = _json_value(getattr(ticket, name))
    document["transcript"] = [_line(line) for line in ticket.messages]
    # Loaded with every queried ticket; a ticket just filed (never queried) has none yet.
    attachments = ticket.__dict__.get("attachments") or []
    document["attachments"] = [_attachment(attachment) for attachment in attachments]
    return document


def _line(line: TicketMessage) -> dict[str, Any]:
    """A transcript line; agent lines carry the agent's name and whether they reached the customer."""
    entry: dict[str, Any] = {"role": line.role, "text": line.text, "at": _json_value(line.at)}
    if line.role == Role.AGENT:
        entry["agent_name"] = line.author
        entry["delivery"] = line.delivery
    return entry


def _attachment(attachment: Attachment) -> dict[str, Any]:
    """An attachment's description (its bytes stay on disk)."""
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "caption": attachment.caption,
        "size": attachment.size,
        "uploaded_at": _json_value(attachment.uploaded_at),
    }

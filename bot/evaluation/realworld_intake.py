"""Real complaints as opening messages over the web channel, the customer answering every question."""

from __future__ import annotations

import asyncio
import os
import secrets
import statistics
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.benchmark.client import tracker_state
from bot.benchmark.database import sqlite_url
from bot.benchmark.intake import EN_DETAILS, REFERENCE, ZH_DETAILS, answer_to
from bot.constants import MAX_MESSAGE_CHARS, Intent
from bot.evaluation.realworld import RealComplaint, language_of_file
from bot.runtime.servers import running_servers
from bot.runtime.settings import PROJECT_ROOT, local_settings

MAX_TURNS = 12
LOG_DIR = PROJECT_ROOT / "var" / "eval-intake-logs"
WEB_TOKEN_ENV = "WEB_API_TOKEN"
# Which clarifying button a customer with a complaint of this category presses (by its payload's words).
BUTTON_WORDS = {
    Intent.PRODUCT_DEFECT.value: ("车辆本身", "problem with my car"),
    Intent.REPAIR_COMPLAINT.value: ("维修", "repair"),
    Intent.PRICING_DISPUTE.value: ("收费", "bill"),
    Intent.STAFF_COMPLAINT.value: ("工作人员", "staff"),
}
PREFERENCE = (
    Intent.PRODUCT_DEFECT.value,
    Intent.REPAIR_COMPLAINT.value,
    Intent.STAFF_COMPLAINT.value,
    Intent.PRICING_DISPUTE.value,
)


@dataclass
class IntakeOutcome:
    """One played complaint: the ticket's category (None: no ticket) and the customer's messages."""

    complaint: RealComplaint
    category: str | None
    turns: int
    transcript: list[tuple[str, str]] = field(default_factory=list)

    @property
    def acceptable(self) -> bool | None:
        """Whether the ticket's category fits the source label (None when no category fits the label)."""
        if self.complaint.acceptable is None:
            return None
        return self.category in self.complaint.acceptable


@dataclass(frozen=True)
class IntakeFigures:
    """Per file: share reaching a ticket, share with an acceptable category, median customer turns."""

    count: int
    ticketed: int
    mapped: int
    acceptable: int
    median_turns: float
    categories: list[tuple[str, int]]

    def as_dict(self) -> dict[str, object]:
        """The figures as a JSON-ready dict."""
        return {
            "count": self.count,
            "ticketed": self.ticketed,
            "mapped": self.mapped,
            "acceptable": self.acceptable,
            "median_turns": self.median_turns,
            "categories": dict(self.categories),
        }


def summarise(outcomes: list[IntakeOutcome]) -> IntakeFigures:
    """The figures of one file's outcomes (median turns over the conversations that reached a ticket)."""
    ticketed = [o for o in outcomes if o.category is not None]
    mapped = [o for o in outcomes if o.complaint.acceptable is not None]
    return IntakeFigures(
        count=len(outcomes),
        ticketed=len(ticketed),
        mapped=len(mapped),
        acceptable=sum(bool(o.acceptable) for o in mapped),
        median_turns=statistics.median(o.turns for o in ticketed) if ticketed else float("nan"),
        categories=Counter(o.category or "no ticket" for o in outcomes).most_common(),
    )


def _button(replies: list[dict[str, Any]], complaint: RealComplaint) -> str | None:
    """The clarifying button a customer with this complaint presses; None when nothing asks."""
    buttons = [b for r in replies for b in (r.get("buttons") or [])]
    payloads = [str(b.get("payload") or b.get("title")) for b in buttons]
    if not any(word in p for words in BUTTON_WORDS.values() for word in words for p in payloads):
        return None
    wanted = next((c for c in PREFERENCE if c in (complaint.acceptable or ())), Intent.PRODUCT_DEFECT.value)
    return next((p for p in payloads if any(w in p for w in BUTTON_WORDS[wanted])), payloads[0])


async def _turn(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str], sender: str, text: str
) -> list[dict[str, Any]]:
    """One customer message; the bot's replies (empty on failure)."""
    async with session.post(url, json={"sender": sender, "message": text}, headers=headers) as response:
        body = await response.json(content_type=None)
        return body if response.status == 200 and isinstance(body, list) else []


async def play(
    session: aiohttp.ClientSession,
    servers: Any,
    headers: dict[str, str],
    complaint: RealComplaint,
    store_url: str,
) -> IntakeOutcome:
    """Open with the real complaint, then answer each question: a button, a form slot, the summary."""
    details = EN_DETAILS if language_of_file(complaint.source_file) == "en" else ZH_DETAILS
    confirm, skip = ("yes, submit it", "skip") if details is EN_DETAILS else ("对，提交", "跳过")
    sender = f"eval-real-{uuid.uuid4().hex[:10]}"
    text, outcome = complaint.text, IntakeOutcome(complaint, None, 0)
    for turn in range(1, MAX_TURNS + 1):
        replies = await _turn(session, servers.webhook_url, headers, sender, text)
        outcome.transcript.append((text, " | ".join(str(r.get("text") or "") for r in replies)))
        reference = next(
            (m.group() for r in replies if (m := REFERENCE.search(str(r.get("text") or "")))), None
        )
        if reference:
            outcome.turns, outcome.category = turn, _category(store_url, reference)
            return outcome
        button = _button(replies, complaint)
        tracker = await tracker_state(session, servers.settings.rasa_url, servers.auth_token, sender)
        asked = (tracker.get("slots") or {}).get("requested_slot")
        in_form = bool((tracker.get("active_loop") or {}).get("name"))
        if turn == 1 and len(complaint.text) > MAX_MESSAGE_CHARS:
            text = _fitting(complaint.text)  # told the message is too long, the customer sends what fits
        elif button:
            text = button
        elif in_form and asked:
            text = answer_to(tracker, details, skip)  # every detail the question asks
        else:
            text = confirm
    outcome.turns = MAX_TURNS
    return outcome


def _fitting(text: str) -> str:
    """The text, or its sentences that fit the chat's message limit."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    cut = text[:MAX_MESSAGE_CHARS]
    end = max(cut.rfind(mark) for mark in ".。!！?？")
    return cut[: end + 1] if end > 0 else cut


def _category(store_url: str, reference: str) -> str | None:
    """The category of a filed ticket."""
    from bot.tickets.store import TicketStore

    ticket = TicketStore(store_url).get(reference)
    return ticket.category if ticket else None


async def _play_all(servers: Any, sets: dict[str, list[RealComplaint]], store_url: str, token: str) -> dict:
    """Every sampled complaint, two customers at a time."""
    headers = {"Authorization": f"Bearer {token}"}
    gate = asyncio.Semaphore(2)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:

        async def one(complaint: RealComplaint) -> IntakeOutcome:
            async with gate:
                return await play(session, servers, headers, complaint, store_url)

        return {name: await asyncio.gather(*(one(c) for c in rows)) for name, rows in sets.items()}


def run_real_intakes(model: Path, sets: dict[str, list[RealComplaint]]) -> dict[str, list[IntakeOutcome]]:
    """Start the servers on free ports with a throw-away database and play every complaint."""
    token = os.environ.get(WEB_TOKEN_ENV) or secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="bot-eval-db-") as tmp:
        database = sqlite_url(Path(tmp))
        env = {"DATABASE_URL": database, WEB_TOKEN_ENV: token}
        with running_servers(
            local_settings(model.parent), model, extra_env=env, log_dir=LOG_DIR, quiet=True
        ) as servers:
            return asyncio.run(_play_all(servers, sets, database, token))

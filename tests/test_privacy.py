"""A customer's copy of their data, erasure on request and retention, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from bot.constants import Role, TicketStatus
from bot.db.engine import shared_engine
from bot.privacy.audit import entries
from bot.privacy.retention import Periods, run_retention
from bot.privacy.schedule import start_retention_schedule
from bot.runtime.settings import PROJECT_ROOT
from bot.runtime.stores import UrlSQLTrackerStore
from bot.tickets.models import Attachment, Customer, Ticket, TicketMessage
from bot.tickets.store import TicketDraft, TicketStore, ticket_to_dict

DOMAIN = Domain.from_dict({"slots": {"phone": {"type": "text", "mappings": []}}})
NOW = dt.datetime.now(dt.timezone.utc)


def _phone() -> tuple[str, str]:
    """A fresh mobile number as typed and as stored (each test run has its own customers)."""
    digits = f"139{random.randrange(10**8):08d}"
    return digits, f"+86{digits}"


def _file(url: str, phone: str, sender: str, description: str) -> Ticket:
    draft = TicketDraft(
        conversation_key=f"{sender}:1.0",
        category="pricing_dispute",
        channel="web",
        sender_id=sender,
        language="zh",
        transcript=[
            {"role": Role.CUSTOMER.value, "text": f"{description},电话{phone}", "at": NOW},
            {"role": Role.BOT.value, "text": "已记录", "at": NOW},
        ],
        customer_name="王小明",
        phone=phone,
        vehicle_model="迈腾",
        vin="LFV2A21K7E3123456",
        license_plate="粤B12345",
        dealer="广州某4S店",
        part="鼓风机",
        quoted_amount="800",
        charged_amount="1500",
        mileage="30000",
        location="广州市天河区",
        description=description,
    )
    return TicketStore(url).file_ticket(draft)


def _conversation(sender: str, phone: str, at: float | None = None) -> None:
    events = [UserUttered(f"我的电话是{phone}", timestamp=at), SlotSet("phone", phone, timestamp=at)]
    tracker = DialogueStateTracker.from_events(sender, events, DOMAIN.slots)
    asyncio.run(UrlSQLTrackerStore(DOMAIN).save(tracker))


def _attach(url: str, ticket_id: int, folder: Path) -> Path:
    path = folder / f"{uuid.uuid4().hex}.jpg"
    path.write_bytes(b"\xff\xd8photo")
    with Session(shared_engine(url), future=True) as session, session.begin():
        session.add(
            Attachment(
                ticket_id=ticket_id,
                filename="dashboard.jpg",
                content_type="image/jpeg",
                size=7,
                storage_path=str(path),
                uploaded_at=NOW,
            )
        )
    return path


def _bot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _events_of(url: str, sender: str) -> list[Any]:
    with shared_engine(url).connect() as connection:
        return connection.execute(text("SELECT data FROM events WHERE sender_id = :s"), {"s": sender}).all()


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_export_then_forget_a_customer(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database: str
) -> None:
    url = request.getfixturevalue("fresh_sqlite_url" if database == "sqlite" else "postgres_url")
    monkeypatch.setenv("DATABASE_URL", url)
    typed, phone = _phone()
    _, other_phone = _phone()
    sender, chat_only, other_sender = (f"web-{uuid.uuid4().hex[:8]}" for _ in range(3))
    ticket = _file(url, phone, sender, "鼓风机报价800收了1500")
    other = _file(url, other_phone, other_sender, "保养太贵")
    photo = _attach(url, ticket.id, tmp_path)
    for conversation in (sender, chat_only):  # the second one gave the phone but filed nothing
        _conversation(conversation, phone)
    _conversation(other_sender, other_phone)

    exported = _bot(
        "customers", "export", typed, "--output", str(tmp_path / "copy.json"), env={"DATABASE_URL": url}
    )
    assert exported.returncode == 0, exported.stderr
    copy = json.loads((tmp_path / "copy.json").read_text(encoding="utf-8"))
    assert copy["customer"]["name"] == "王小明"
    (mine,) = copy["tickets"]
    assert mine["reference"] == ticket.reference and mine["vin"] == "LFV2A21K7E3123456"
    assert [line["role"] for line in mine["transcript"]] == ["customer", "bot"]
    assert [a["filename"] for a in mine["attachments"]] == ["dashboard.jpg"]
    conversations = {c["conversation_id"]: c["lines"] for c in copy["conversations"]}
    assert set(conversations) == {sender, chat_only}
    assert conversations[sender][0]["text"] == f"我的电话是{phone}"

    forgotten = _bot(
        "customers", "forget", typed, "--yes", "--actor", "supervisor:li", env={"DATABASE_URL": url}
    )
    assert forgotten.returncode == 0, forgotten.stderr
    kept = ticket_to_dict(TicketStore(url).get(ticket.reference))
    for personal in ("customer_name", "phone", "vin", "license_plate", "location", "description"):
        assert kept[personal] is None, personal
    assert kept["transcript"] == [] and kept["attachments"] == []
    assert (kept["category"], kept["vehicle_model"], kept["part"]) == ("pricing_dispute", "迈腾", "鼓风机")
    assert (kept["quoted_amount"], kept["charged_amount"], kept["mileage"]) == (800, 1500, 30000)
    assert kept["sender_id"] == "anonymised"
    with Session(shared_engine(url), future=True) as session:
        assert session.get(Ticket, ticket.id).anonymised_at is not None
        assert session.execute(select(Customer).where(Customer.phone == phone)).first() is None
        lines = session.execute(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)).all()
        assert lines == []
    assert not photo.exists()
    assert _events_of(url, sender) == [] and _events_of(url, chat_only) == []
    # Another customer's data is untouched.
    assert ticket_to_dict(TicketStore(url).get(other.reference))["phone"] == other_phone
    assert len(_events_of(url, other_sender)) == 2
    audit = entries(url, phone)
    assert [e.action for e in audit] == ["export", "forget"]
    assert audit[0].actor.startswith("cli:") and audit[1].actor == "supervisor:li"
    assert all(phone not in json.dumps(e.detail) and e.subject_masked != phone for e in audit)
    again = _bot("customers", "export", typed, env={"DATABASE_URL": url})
    assert json.loads(again.stdout)["tickets"] == [] and json.loads(again.stdout)["conversations"] == []


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_retention_deletes_old_conversations_and_anonymises_long_closed_tickets(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    url = request.getfixturevalue("fresh_sqlite_url" if database == "sqlite" else "postgres_url")
    monkeypatch.setenv("DATABASE_URL", url)
    _, phone = _phone()
    old_sender, recent_sender = f"web-{uuid.uuid4().hex[:8]}", f"web-{uuid.uuid4().hex[:8]}"
    old_closed = _file(url, phone, old_sender, "四年前的投诉")
    recent_closed = _file(url, phone, recent_sender, "上个月的投诉")
    still_open = _file(url, phone, f"web-{uuid.uuid4().hex[:8]}", "还在处理")
    store = TicketStore(url)
    for reference in (old_closed.reference, recent_closed.reference):
        store.set_status(reference, TicketStatus.CLOSED, actor="agent")
    with Session(shared_engine(url), future=True) as session, session.begin():
        four_years_ago = NOW - dt.timedelta(days=4 * 365)
        session.execute(update(Ticket).where(Ticket.id == old_closed.id).values(updated_at=four_years_ago))
        session.execute(update(Ticket).where(Ticket.id == still_open.id).values(updated_at=four_years_ago))
    _conversation(old_sender, phone, at=(NOW - dt.timedelta(days=200)).timestamp())
    _conversation(recent_sender, phone, at=(NOW - dt.timedelta(days=10)).timestamp())

    counts = run_retention(url, Periods(events_days=180, tickets_years=3))
    assert counts["tickets"] >= 1 and counts["conversation_events"] >= 2
    assert _events_of(url, old_sender) == [] and len(_events_of(url, recent_sender)) == 2
    assert store.get(old_closed.reference).phone is None
    assert store.get(recent_closed.reference).phone == phone  # closed, but not long enough
    assert store.get(still_open.reference).phone == phone  # open tickets keep everything
    assert entries(url)[-1].action == "retention"


def test_retention_runs_on_a_schedule(monkeypatch: pytest.MonkeyPatch, fresh_sqlite_url: str) -> None:
    monkeypatch.setenv("RETENTION_INTERVAL_HOURS", "1")
    stop = start_retention_schedule(fresh_sqlite_url)
    assert stop is not None
    try:
        deadline = time.monotonic() + 30
        while not [e for e in entries(fresh_sqlite_url) if e.action == "retention"]:
            assert time.monotonic() < deadline, "the scheduled retention run did not happen"
            time.sleep(0.2)
    finally:
        stop.set()

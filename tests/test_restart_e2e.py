"""A restarted server continues a half-finished form (the tracker lives in the database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.constants import Slot
from bot.tickets.store import TicketStore, ticket_to_dict
from tests.assistant import REFERENCE, backend, run_assistant


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_form_continues_after_restart(
    request: pytest.FixtureRequest, trained_model: Path, database: str
) -> None:
    url, redis_url = backend(request, database)
    with run_assistant(trained_model, url, f"restart-{database}-1", redis_url) as first:
        customer = first.customer()
        customer.say("I want to complain: the workshop replaced my clutch and it slips again after a week")
        assert customer.requested_slot() == Slot.VEHICLE_MODEL.value
        customer.say("Bora")
        asked_before = customer.requested_slot()
        assert asked_before == Slot.PHONE.value
        sender = customer.sender
    with run_assistant(trained_model, url, f"restart-{database}-2", redis_url) as second:
        customer = second.customer(sender)
        assert customer.requested_slot() == asked_before
        customer.say("13812345678")
        customer.answer_form(dict.fromkeys((s.value for s in Slot), "skip"))
        reply = customer.say("yes")
        assert REFERENCE.search(reply)
        (ticket,) = [ticket_to_dict(t) for t in TicketStore(url).find_by_conversation(sender)]
        assert ticket["vehicle_model"] == "Bora"
        assert ticket["phone"] == "+8613812345678"
        assert "clutch" in ticket["description"]

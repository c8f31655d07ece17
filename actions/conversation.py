"""Reads what an action needs from a Rasa tracker: the intake's identity, slots and transcript."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker

from bot.constants import Role, Slot
from bot.runtime.outage_markers import REPLAY_OF_KEY


def intake_key(tracker: Tracker) -> str:
    """Identifies this intake: the conversation plus when its category was set (one ticket per intake).

    Every intake starts by setting the category (from the opening intent or routed details), so its
    timestamp tells one intake of a conversation from the next, and a retried action finds the same one.
    """
    started = 0.0
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == Slot.CATEGORY.value and event.get("value"):
            started = float(event.get("timestamp") or 0.0)
            break
    return f"{tracker.sender_id}:{started:.6f}"


def message_key(tracker: Tracker) -> str:
    """Identifies the latest customer message of the conversation."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return f"{tracker.sender_id}:{float(event.get('timestamp') or 0.0):.6f}"
    return f"{tracker.sender_id}:0"


def transcript(tracker: Tracker) -> list[dict[str, Any]]:
    """Customer and bot turns of the conversation so far, with UTC timestamps."""
    lines = []
    for event in tracker.events:
        kind = event.get("event")
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        if (event.get("metadata") or {}).get(REPLAY_OF_KEY):  # the kept original is already a line
            continue
        at = datetime.fromtimestamp(float(event.get("timestamp") or 0.0), tz=timezone.utc)
        role = Role.CUSTOMER if kind == "user" else Role.BOT
        lines.append({"role": role.value, "text": event["text"], "at": at})
    return lines


def channel_of(tracker: Tracker) -> str:
    """The input channel the customer wrote on."""
    return tracker.get_latest_input_channel() or "unknown"

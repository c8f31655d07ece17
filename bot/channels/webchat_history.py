"""A website conversation's history, from the Rasa tracker, in the widget's message format."""

from __future__ import annotations

import time
from typing import Any

MAX_HISTORY = 300
MARKERS = ("agent_joined", "agent_left")
CLIENT_ID_KEY = "client_id"  # metadata of a website message: the widget's id of it


def widget_message(message: dict[str, Any], kind: str = "bot") -> dict[str, Any]:
    """A bot (or agent, or marker) message as the widget shows it: plain text, buttons, who, when."""
    metadata = {
        **(message.get("metadata") or {}),
        **{k: message[k] for k in ("agent_name", "marker") if k in message},
    }
    marker = metadata.get("marker") if metadata.get("marker") in MARKERS else None
    agent_name = metadata.get("agent_name")
    if kind == "bot" and marker:
        kind = "marker"
    elif kind == "bot" and agent_name:
        kind = "agent"
    buttons = message.get("buttons") or message.get("quick_replies") or []
    return {
        "kind": kind,
        "text": str(message.get("text") or ""),
        "ts": float(message.get("timestamp") or time.time()),
        "buttons": [
            {"title": str(b.get("title") or b.get("payload")), "payload": str(b.get("payload"))}
            for b in buttons
            if isinstance(b, dict) and b.get("payload") is not None
        ],
        "agent_name": str(agent_name) if agent_name else None,
        "marker": marker,
    }


def history(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Customer and bot/agent messages of a tracker's events (as dicts), oldest first, last MAX_HISTORY."""
    messages: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user" and event.get("text"):
            metadata = event.get("metadata") or {}
            shown = metadata.get("shown_text") or event["text"]
            message = {"kind": "user", "text": str(shown), "ts": float(event.get("timestamp") or 0)}
            if isinstance(metadata.get(CLIENT_ID_KEY), str):
                message["id"] = metadata[CLIENT_ID_KEY]  # the widget's id: a resent copy is not shown twice
            messages.append(message)
        elif kind == "bot" and (event.get("text") or (event.get("metadata") or {}).get("marker")):
            data = event.get("data") or {}
            message = {**data, "text": event.get("text"), "timestamp": event.get("timestamp")}
            message["metadata"] = event.get("metadata") or {}
            messages.append(widget_message(message))
    return messages[-MAX_HISTORY:]

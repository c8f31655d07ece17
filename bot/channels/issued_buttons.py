"""Payloads of the buttons the bot sent to each conversation: only these are accepted back as payloads."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from rasa.core.channels.channel import OutputChannel

MAX_PAYLOADS_PER_SENDER = 64


class IssuedButtons:
    """Bounded in-process record of button payloads per sender (most recent senders kept)."""

    def __init__(self, capacity: int = 50_000) -> None:
        """Remember payloads for at most `capacity` senders."""
        self._capacity = capacity
        self._payloads: OrderedDict[str, OrderedDict[str, None]] = OrderedDict()

    def record(self, sender: str, buttons: list[dict[str, Any]] | None) -> None:
        """Remember the payloads of buttons just sent to `sender`."""
        payloads = [str(b["payload"]) for b in buttons or [] if isinstance(b, dict) and b.get("payload")]
        if not payloads:
            return
        known = self._payloads.setdefault(sender, OrderedDict())
        self._payloads.move_to_end(sender)
        for payload in payloads:
            known[payload] = None
            known.move_to_end(payload)
        while len(known) > MAX_PAYLOADS_PER_SENDER:
            known.popitem(last=False)
        while len(self._payloads) > self._capacity:
            self._payloads.popitem(last=False)

    def issued(self, sender: str, payload: str) -> bool:
        """Whether the bot sent `sender` a button with this payload (as far as this process remembers)."""
        return payload in self._payloads.get(sender, ())


def issued_in_tracker(events: list[Any], payload: str) -> bool:
    """Whether a bot message of a tracker's events carried a button with this payload (after a restart)."""
    for event in events:
        data = getattr(event, "data", None) if not isinstance(event, dict) else event.get("data")
        for button in (data or {}).get("buttons") or []:
            if isinstance(button, dict) and str(button.get("payload")) == payload:
                return True
    return False


ISSUED = IssuedButtons()


class RecordingOutput(OutputChannel):
    """Wraps a channel's output and records the payloads of every button sent through it."""

    def __init__(self, inner: OutputChannel, registry: IssuedButtons = ISSUED) -> None:
        """Deliver through `inner`, recording into `registry`."""
        self.inner = inner
        self._registry = registry
        self.sent = 0

    def name(self) -> str:  # type: ignore[override]
        """The wrapped channel's name (responses are chosen per channel name)."""
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Record the message's buttons, then deliver it."""
        self._registry.record(recipient_id, message.get("buttons") or message.get("quick_replies"))
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Deliver a plain text."""
        self.sent += 1
        await self.inner.send_text_message(recipient_id, text, **kwargs)

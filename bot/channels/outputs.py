"""Registry of output channels: server-side code reaches any conversation in the channel it lives on.

Each channel registers a factory `sender_id -> OutputChannel | None` under its channel name (`web`,
`telegram`); agent replies and resolution triggers (handoff) look the conversation's channel up here.
"""

from __future__ import annotations

from collections.abc import Callable

from rasa.core.channels.channel import OutputChannel

OutputFactory = Callable[[str], OutputChannel | None]

_FACTORIES: dict[str, OutputFactory] = {}


def register_output(channel: str, factory: OutputFactory) -> None:
    """Make conversations of `channel` reachable (a later registration replaces an earlier one)."""
    _FACTORIES[channel] = factory


def output_for(channel: str, sender_id: str) -> OutputChannel | None:
    """An output channel that reaches `sender_id` on `channel`, or None when it cannot be reached.

    None also for a conversation the channel cannot push to (e.g. a server-to-server REST caller).
    """
    factory = _FACTORIES.get(channel)
    return factory(sender_id) if factory else None


def registered_channels() -> list[str]:
    """Names of the channels that registered an output."""
    return sorted(_FACTORIES)

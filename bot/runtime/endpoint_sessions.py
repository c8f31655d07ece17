"""Keep-alive HTTP sessions for Rasa's endpoints (the action server above all).

`EndpointConfig.request` opens a new aiohttp client session, so a new TCP connection, for every call
and closes it afterwards; a form turn calls the action server at least once. Here each endpoint keeps
one session per event loop and lends it to `request`, which then reuses pooled connections. Headers,
auth and timeout are the ones Rasa's `session()` would have used.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

import aiohttp
from rasa.utils.endpoints import EndpointConfig

_rasa_session = EndpointConfig.session
_ATTRIBUTE = "_bot_shared_session"


class _Lent:
    """`async with` yields the shared session and leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


def shared_session(endpoint: EndpointConfig) -> _Lent:
    """The endpoint's session for the running event loop, created on first use or after a close."""
    loop = asyncio.get_running_loop()
    owner, session = getattr(endpoint, _ATTRIBUTE, (None, None))
    if session is None or session.closed or owner is not loop:
        session = _rasa_session(endpoint)
        setattr(endpoint, _ATTRIBUTE, (loop, session))
    return _Lent(session)


def install() -> None:
    """Make every endpoint in this process reuse its session."""
    EndpointConfig.session = shared_session  # type: ignore[assignment]

"""Live updates: one poller per process watches the database's change cursor; browsers listen over SSE."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from bot.handoff.store import HandoffStore

logger = logging.getLogger(__name__)

POLL_INTERVAL_S = 0.3
HEARTBEAT_S = 15.0


class ChangeFeed:
    """Polls HandoffStore.change_cursor (works the same on SQLite and PostgreSQL) and wakes the listeners."""

    def __init__(self, store: HandoffStore, interval_s: float = POLL_INTERVAL_S) -> None:
        """Watch `store` every `interval_s` seconds once started."""
        self._store = store
        self._interval_s = interval_s
        self._changed = asyncio.Condition()
        self.key = ""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start polling (in the running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._poll())

    async def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _poll(self) -> None:
        """Read the cursor; when it moved, notify everyone waiting."""
        while True:
            try:
                key = (await asyncio.to_thread(self._store.change_cursor)).as_key()
            except Exception:  # a database hiccup must not end live updates for good
                logger.exception("reading the change cursor failed")
                key = self.key
            if key != self.key:
                self.key = key
                async with self._changed:
                    self._changed.notify_all()
            await asyncio.sleep(self._interval_s)

    async def wait_for_change(self, seen: str, timeout_s: float) -> str:
        """The cursor key once it differs from `seen` (or `seen` again after `timeout_s`)."""
        if self.key != seen:
            return self.key
        async with self._changed:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: self.key != seen), timeout_s)
        return self.key

    async def events(self, is_disconnected: object) -> AsyncIterator[str]:
        """Server-sent events: `change` whenever anything moved, a comment as heartbeat."""
        seen = self.key
        yield "retry: 1000\n\n"
        yield f"event: change\ndata: {seen}\n\n"
        while True:
            key = await self.wait_for_change(seen, HEARTBEAT_S)
            if await is_disconnected():  # type: ignore[operator]
                return
            if key == seen:
                yield ": heartbeat\n\n"
                continue
            seen = key
            yield f"event: change\ndata: {key}\n\n"

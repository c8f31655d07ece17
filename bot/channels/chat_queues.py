"""Background handling of customer messages: one chat's in arrival order, different chats concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class ChatQueues:
    """Runs handlings in the background, one chat's in arrival order, different chats concurrently."""

    def __init__(self) -> None:
        """No chat is busy yet."""
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def submit(self, chat: Hashable, work: Callable[[], Awaitable[Any]]) -> None:
        """Queue `work` behind the chat's earlier work."""
        lock, users = self._locks.get(chat) or (asyncio.Lock(), 0)
        self._locks[chat] = (lock, users + 1)

        async def run() -> None:
            try:
                async with lock:  # asyncio.Lock wakes waiters first come, first served
                    await work()
            finally:
                lock_now, left = self._locks[chat]
                if left <= 1:
                    del self._locks[chat]
                else:
                    self._locks[chat] = (lock_now, left - 1)

        self.track(asyncio.create_task(run()))

    def track(self, task: asyncio.Task[Any]) -> None:
        """Keep a background task referenced until it ends."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until every queued handling finished (for shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

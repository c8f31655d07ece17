"""Remembers replies to recently delivered messages so a webhook delivered twice is answered once."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

Replies = list[dict[str, Any]]


class ReplayCache:
    """A bounded in-process map from (sender, message id) to the replies sent for it.

    A delivery whose handling failed is forgotten: a duplicate waiting on it, and any later retry, is
    handled afresh instead of waiting forever or being answered with the failure.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        """Keep at most `capacity` deliveries."""
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, str], asyncio.Future[Replies | None]] = OrderedDict()

    def claim(self, sender: str, message_id: str) -> asyncio.Future[Replies | None] | None:
        """The earlier delivery's future if this one is a duplicate; else register it and return None.

        The future's result is the earlier replies, or None when the earlier handling failed.
        """
        key = (sender, message_id)
        existing = self._entries.get(key)
        if existing is not None:
            self._entries.move_to_end(key)
            return existing
        self._entries[key] = asyncio.get_running_loop().create_future()
        while len(self._entries) > self._capacity:
            _, evicted = self._entries.popitem(last=False)
            if not evicted.done():
                evicted.set_result(None)
        return None

    def settle(self, sender: str, message_id: str, replies: Replies) -> None:
        """Record the replies of a first delivery."""
        future = self._entries.get((sender, message_id))
        if future is not None and not future.done():
            future.set_result(replies)

    def forget(self, sender: str, message_id: str) -> None:
        """Drop a delivery whose handling failed; whoever waits on it handles the message itself."""
        future = self._entries.pop((sender, message_id), None)
        if future is not None and not future.done():
            future.set_result(None)

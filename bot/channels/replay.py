"""Remembers replies to recently delivered messages so a webhook delivered twice is answered once."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any


class ReplayCache:
    """A bounded in-process map from (sender, message id) to the replies sent for it."""

    def __init__(self, capacity: int = 10_000) -> None:
        """Keep at most `capacity` deliveries."""
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, str], asyncio.Future[list[dict[str, Any]]]] = OrderedDict()

    def claim(self, sender: str, message_id: str) -> asyncio.Future[list[dict[str, Any]]] | None:
        """The earlier delivery's future if this one is a duplicate; else register it and return None."""
        key = (sender, message_id)
        existing = self._entries.get(key)
        if existing is not None:
            self._entries.move_to_end(key)
            return existing
        self._entries[key] = asyncio.get_running_loop().create_future()
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)
        return None

    def settle(self, sender: str, message_id: str, replies: list[dict[str, Any]]) -> None:
        """Record the replies of a first delivery."""
        future = self._entries.get((sender, message_id))
        if future is not None and not future.done():
            future.set_result(replies)

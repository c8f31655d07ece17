"""Per-sender message rate limit: a sliding one-minute window of arrival times per conversation."""

from __future__ import annotations

import os
import time
from collections import OrderedDict, deque
from collections.abc import Callable

RATE_LIMIT_ENV = "CHANNEL_RATE_LIMIT_PER_MINUTE"
DEFAULT_PER_MINUTE = 30
WINDOW_S = 60.0


def limit_from_env() -> int:
    """Messages per minute a sender may send (CHANNEL_RATE_LIMIT_PER_MINUTE; 0 turns the limit off)."""
    raw = os.environ.get(RATE_LIMIT_ENV, "").strip()
    try:
        return max(0, int(raw)) if raw else DEFAULT_PER_MINUTE
    except ValueError:
        return DEFAULT_PER_MINUTE


class RateLimiter:
    """Counts each sender's messages in the last minute; bounded memory, O(1) per message.

    Written here rather than taken from a library: no rate-limit package is in the locked dependencies,
    and the need (an in-process sliding window per conversation) is a few lines.
    """

    def __init__(
        self,
        per_minute: int | None = None,
        capacity: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Allow `per_minute` messages per sender (from the environment when None)."""
        self.per_minute = limit_from_env() if per_minute is None else per_minute
        self._capacity = capacity
        self._clock = clock
        self._arrivals: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, sender: str) -> bool:
        """Record a message from `sender`; False when it is over the limit (a refused one is not counted)."""
        if self.per_minute <= 0:
            return True
        now = self._clock()
        arrivals = self._arrivals.get(sender)
        if arrivals is None:
            arrivals = self._arrivals[sender] = deque()
            while len(self._arrivals) > self._capacity:
                self._arrivals.popitem(last=False)
        else:
            self._arrivals.move_to_end(sender)
        while arrivals and now - arrivals[0] >= WINDOW_S:
            arrivals.popleft()
        if len(arrivals) >= self.per_minute:
            return False
        arrivals.append(now)
        return True

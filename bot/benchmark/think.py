"""Think time of a simulated chat customer: reading the bot's reply, then typing the next message.

A customer in a chat does not answer the instant the reply appears: they read it (a two-line answer takes
a couple of seconds) and type the next message on a phone (a 20-character Chinese complaint with pinyin
input takes 10 s or more). The channel figures model that as a pause drawn uniformly from THINK_RANGE_S,
seeded so a run is repeatable. The range is on the short side of real customers on purpose: a shorter
pause means more messages per second reach the server, so the figure errs on the pessimistic side.

The closed loop with no pause at all (the next message the instant a turn ends) is measured too, as a
stress figure: ten such customers keep ten turns in flight at every moment, the load of far more real ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

THINK_RANGE_S = (2.0, 8.0)
THINK_SEED = 20261125


@dataclass(frozen=True)
class ThinkTime:
    """Seconds between the end of a turn and the customer's next message (None: no pause at all)."""

    low_s: float = THINK_RANGE_S[0]
    high_s: float = THINK_RANGE_S[1]
    seed: int = THINK_SEED

    def for_customer(self, number: int) -> random.Random:
        """The pause generator of customer `number` (its own stream: scheduling cannot reorder draws)."""
        return random.Random(self.seed * 1000 + number)

    def pause(self, draws: random.Random) -> float:
        """One pause in seconds."""
        return draws.uniform(self.low_s, self.high_s)

    def label(self) -> str:
        """How the pause is described next to the figures."""
        return f"{self.low_s:g}-{self.high_s:g} s think time"


THINKING = ThinkTime()

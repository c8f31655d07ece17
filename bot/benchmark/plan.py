"""How much load each level gets: the full run (about 5 minutes with training) and --quick."""

from __future__ import annotations

from dataclasses import dataclass

CONCURRENCY_LEVELS = (1, 10, 50)
INTAKE_CONCURRENCY = 10


@dataclass(frozen=True)
class Plan:
    """Requests per concurrency level for /model/parse and REST turns, intakes per customer, warm-up."""

    parse_requests: dict[int, int]
    rest_turns: dict[int, int]
    intakes_per_customer: int
    warmup_requests: int
    train: bool


FULL = Plan(
    parse_requests={1: 100, 10: 300, 50: 500},
    rest_turns={1: 60, 10: 250, 50: 400},
    intakes_per_customer=2,
    warmup_requests=20,
    train=True,
)
QUICK = Plan(
    parse_requests={1: 30, 10: 100, 50: 150},
    rest_turns={1: 20, 10: 80, 50: 150},
    intakes_per_customer=1,
    warmup_requests=10,
    train=False,
)

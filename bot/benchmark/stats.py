"""Latency percentiles and throughput of one load level."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between ranks; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class LoadResult:
    """Latencies (ms) of the successful requests of one level, its errors and its wall time."""

    target: str
    concurrency: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    wall_s: float = 0.0

    @property
    def requests(self) -> int:
        """Requests that succeeded."""
        return len(self.latencies_ms)

    def p(self, q: float) -> float:
        """The q-th latency percentile in ms."""
        return percentile(self.latencies_ms, q)

    @property
    def per_second(self) -> float:
        """Successful requests per second of wall time."""
        return self.requests / self.wall_s if self.wall_s > 0 else math.nan

    def as_dict(self) -> dict[str, float | int | str]:
        """The figures as a JSON-ready dict."""
        return {
            "target": self.target,
            "concurrency": self.concurrency,
            "requests": self.requests,
            "errors": self.errors,
            "p50_ms": self.p(50),
            "p95_ms": self.p(95),
            "p99_ms": self.p(99),
            "per_second": self.per_second,
            "wall_s": self.wall_s,
        }


def p95_target_line(
    results: Sequence[LoadResult], target: str, label: str, limit_ms: float, concurrency: int = 10
) -> str | None:
    """PASS/MISS of `label`: p95 <= `limit_ms` at `concurrency` customers; None when not measured."""
    level = next((r for r in results if r.target == target and r.concurrency == concurrency), None)
    if level is None:
        return None
    p95 = level.p(95)
    mark = "PASS" if p95 <= limit_ms else "MISS"
    return f"  [{mark}] {label} p95 at {concurrency} concurrent customers <= {limit_ms:.0f} ms: {p95:.1f} ms"

"""What a report looks at: a date range in Beijing time and optional model, dealer, category and part."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from bot.analytics.dialect import LOCAL_OFFSET_S

_LOCAL = dt.timezone(dt.timedelta(seconds=LOCAL_OFFSET_S))
_EPOCH_DAY = dt.date(1970, 1, 1)
# Columns a report can group by or drill into.
DIMENSIONS = (
    "category",
    "secondary_category",
    "vehicle_model",
    "part",
    "dealer",
    "channel",
    "language",
    "priority",
)


@dataclass(frozen=True)
class ReportFilter:
    """Tickets filed on local dates `start`..`end` (both included), narrowed by equal column values."""

    start: dt.date
    end: dt.date
    equal: dict[str, str] = field(default_factory=dict)  # dimension -> value ("" = not given)

    def __post_init__(self) -> None:
        """Refuse an inverted range and unknown dimensions."""
        if self.end < self.start:
            raise ValueError("the end date is before the start date")
        unknown = set(self.equal) - set(DIMENSIONS)
        if unknown:
            raise ValueError(f"unknown dimension(s): {', '.join(sorted(unknown))}")

    @property
    def since(self) -> dt.datetime:
        """The first instant (UTC) of the range."""
        return dt.datetime.combine(self.start, dt.time(), _LOCAL).astimezone(dt.timezone.utc)

    @property
    def until(self) -> dt.datetime:
        """The first instant (UTC) after the range."""
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), _LOCAL)
        return end.astimezone(dt.timezone.utc)

    def narrowed(self, **equal: str) -> ReportFilter:
        """The same filter with more equal values (a drill-down)."""
        return replace(self, equal={**self.equal, **equal})

    def where(self, dialect: str, alias: str = "t") -> tuple[str, dict[str, Any]]:
        """The SQL condition and its parameters."""
        since, until = self.since, self.until
        if dialect == "sqlite":  # stored as naive UTC text
            since, until = (t.strftime("%Y-%m-%d %H:%M:%S") for t in (since, until))  # type: ignore[assignment]
        clauses = [f"{alias}.created_at >= :f_since", f"{alias}.created_at < :f_until"]
        return self._narrowed(clauses, {"f_since": since, "f_until": until}, alias)

    def facts_where(self, alias: str = "f") -> tuple[str, dict[str, Any]]:
        """The same condition on report_facts (filing days as day numbers; the same on both backends)."""
        clauses = [f"{alias}.created_day BETWEEN :f_first AND :f_last"]
        days = {"f_first": (self.start - _EPOCH_DAY).days, "f_last": (self.end - _EPOCH_DAY).days}
        return self._narrowed(clauses, days, alias)

    def _narrowed(self, clauses: list[str], params: dict[str, Any], alias: str) -> tuple[str, dict[str, Any]]:
        """The range clauses joined with one equality (or IS NULL) per dimension value."""
        for index, (column, value) in enumerate(sorted(self.equal.items())):
            if value == "":
                clauses.append(f"{alias}.{column} IS NULL")
            else:
                clauses.append(f"{alias}.{column} = :f_{index}")
                params[f"f_{index}"] = value
        return " AND ".join(clauses), params

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), **self.equal}

"""Vehicles in service per model (data/fleet.yml, sample figures): the exposure behind complaint rates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.runtime.settings import PROJECT_ROOT

FLEET_PATH = PROJECT_ROOT / "data" / "fleet.yml"


@dataclass(frozen=True)
class ModelFleet:
    """One model's base fleet and its average monthly sales per year."""

    in_service: int
    launched: dt.date | None
    monthly_sales: dict[int, int]


@dataclass(frozen=True)
class Fleet:
    """Vehicles in service per model at any date after `as_of`."""

    as_of: dt.date
    models: dict[str, ModelFleet]
    sample: bool

    def in_service(self, model: str, on: dt.date) -> int:
        """Vehicles of `model` on the road on `on` (0 before launch or for an unknown model)."""
        fleet = self.models.get(model)
        if fleet is None:
            return 0
        start = max(self.as_of, fleet.launched or self.as_of)
        if on < start:
            return 0
        total = fleet.in_service
        # Whole months since the start; a launched model also counts its launch month's sales.
        months = (on.year - start.year) * 12 + on.month - start.month + (1 if fleet.launched else 0)
        for index in range(months):
            total += fleet.monthly_sales.get(start.year + (start.month - 1 + index) // 12, 0)
        return total

    def is_new(self, model: str, on: dt.date, history_weeks: int) -> bool:
        """Whether the model was launched less than `history_weeks` before `on` (no baseline of its own)."""
        fleet = self.models.get(model)
        return bool(fleet and fleet.launched and (on - fleet.launched).days < history_weeks * 7)


def _month(value: object) -> dt.date | None:
    """YYYY-MM (or a date) as the first day of that month."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value.replace(day=1)
    year, month = str(value).split("-")[:2]
    return dt.date(int(year), int(month), 1)


@lru_cache(maxsize=4)
def load_fleet(path: Path = FLEET_PATH) -> Fleet:
    """Read the fleet file once per process."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    as_of = raw["as_of"] if isinstance(raw["as_of"], dt.date) else dt.date.fromisoformat(str(raw["as_of"]))
    models = {
        str(name): ModelFleet(
            in_service=int(entry.get("in_service", 0)),
            launched=_month(entry.get("launched")),
            monthly_sales={int(y): int(n) for y, n in (entry.get("monthly_sales") or {}).items()},
        )
        for name, entry in raw["models"].items()
    }
    return Fleet(as_of=as_of, models=models, sample=bool(raw.get("sample")))

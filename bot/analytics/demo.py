"""`bot demo-data`: realistic synthetic complaint history for demos and the benchmark.

Weekly and yearly seasonality (summer air-conditioning, the Spring Festival lull), a model mix that follows
the fleet (data/fleet.yml), dealers, channels, languages, priorities, agents, first-response and resolution
times shaped by the desk's hours, CSAT answers, reopenings, and a few injected problems (INJECTED) that the
early warning should find.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

from bot.analytics.bulk import fix_sequence, insert_rows, next_id, reserve_references
from bot.analytics.fleet import Fleet, load_fleet
from bot.analytics.labels import label
from bot.tickets.reference import format_reference

DEMO_WEEKS = 156
_UTC = dt.timezone.utc
_LOCAL = dt.timezone(dt.timedelta(hours=8))
CATEGORIES = {
    "repair_complaint": 0.30,
    "pricing_dispute": 0.18,
    "product_defect": 0.30,
    "staff_complaint": 0.10,
    "roadside_assistance": 0.06,
    "compliment": 0.06,
}
_PART_SHARE = {
    "repair_complaint": 0.9,
    "product_defect": 0.95,
    "roadside_assistance": 0.7,
    "pricing_dispute": 0.6,
}
_CITIES = (
    "北京亚运村",
    "北京望京",
    "上海浦东",
    "上海闵行",
    "广州天河",
    "深圳南山",
    "成都南门",
    "成都高新",
    "重庆渝北",
    "长春一汽",
    "长春绿园",
    "沈阳铁西",
    "哈尔滨道里",
    "天津河西",
    "济南历下",
    "青岛崂山",
    "南京江宁",
    "苏州园区",
    "杭州西湖",
    "宁波鄞州",
    "武汉汉阳",
    "长沙岳麓",
    "郑州金水",
    "西安曲江",
    "昆明官渡",
    "南宁青秀",
    "福州仓山",
    "厦门思明",
    "合肥蜀山",
    "石家庄裕华",
)
DEALERS = tuple(f"{city}一汽-大众4S店" for city in _CITIES)
_REASONS = ("requested", "angry", "complex", "not_solved")
# Cumulative shares of ratings 1-4 (5 takes the rest).
_CSAT_SLOW = np.cumsum([0.1, 0.08, 0.15, 0.32])
_CSAT_FAST = np.cumsum([0.03, 0.04, 0.1, 0.33])
AGENTS = tuple(f"agent{n:02d}" for n in range(1, 25))
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


@dataclass(frozen=True)
class Injected:
    """A problem put into the demo history: extra complaints in one cell from `weeks_ago` on."""

    vehicle_model: str | None
    part: str | None
    dealer: str | None
    category: str
    weeks_ago: int  # the ramp starts this many weeks before the end
    multiplier: float  # the cell's rate at the end of the ramp (ramps up linearly over 3 weeks)


INJECTED = (
    Injected("Magotan", "blower_motor", None, "product_defect", 8, 4.0),
    Injected("Sagitar", "transmission", None, "repair_complaint", 6, 3.0),
    Injected("ID.6", "infotainment", None, "product_defect", 5, 5.0),
    Injected(None, None, DEALERS[6], "pricing_dispute", 6, 4.0),
)


def _descriptions(category: str, model: str | None, part: str | None, language: str) -> str:
    """A short complaint text in the customer's language."""
    car = label("vehicle_model", model, language) if model else ("车" if language == "zh" else "car")
    thing = label("part", part, language) if part else ""
    if language == "zh":
        return {
            "repair_complaint": f"{car}{thing}修过之后问题又出现了,检查不仔细",
            "pricing_dispute": f"{car}{thing}报价和实际收费不一样,要求解释",
            "product_defect": f"{car}{thing}有故障,异响明显",
            "staff_complaint": "服务顾问态度很差,不回电话",
            "roadside_assistance": f"{car}路上抛锚,需要救援",
            "compliment": "服务很好,感谢服务顾问",
        }[category]
    return {
        "repair_complaint": f"The {thing} on my {car} failed again after the repair".replace("  ", " "),
        "pricing_dispute": f"I was quoted one price for the {thing} and charged another".replace("  ", " "),
        "product_defect": f"My {car} has a {thing} fault, loud noise".replace("  ", " "),
        "staff_complaint": "The service advisor was rude and never called back",
        "roadside_assistance": f"My {car} broke down on the road, need help",
        "compliment": "Great service, thanks to the advisor",
    }[category]


def _day_weights(days: list[dt.date]) -> np.ndarray:
    """Relative complaint volume per day: summer peak, Spring Festival lull, busier weekends."""
    weights = []
    for day in days:
        season = 1.0 + 0.25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365.25)
        festival = 0.5 if (day.month == 2 and day.day <= 14) or (day.month == 1 and day.day >= 25) else 1.0
        weekend = 1.25 if day.weekday() >= 5 else 1.0
        weights.append(season * festival * weekend)
    array = np.array(weights)
    return array / array.sum()


class DemoHistory:
    """Draws `count` tickets over DEMO_WEEKS weeks ending `end` with a seeded generator."""

    def __init__(self, count: int, seed: int, end: dt.date, fleet: Fleet | None = None) -> None:
        """Prepare the distributions (model propensities, part mixes, dealer weights) from the seed."""
        self.count, self.seed, self.end = count, seed, end
        self.rng = np.random.default_rng(seed)
        self.fleet = fleet or load_fleet()
        self.start = end - dt.timedelta(weeks=DEMO_WEEKS) + dt.timedelta(days=1)
        self.days = [self.start + dt.timedelta(days=i) for i in range((end - self.start).days + 1)]
        self.models = list(self.fleet.models)
        from bot.nlu.lexicon import load_lexicon

        self.parts = list(load_lexicon().parts)
        self.propensity = self.rng.uniform(0.7, 1.3, len(self.models))
        self.part_mix = self.rng.dirichlet(np.full(len(self.parts), 0.8), len(self.models))
        dealer_weights = 1 / np.arange(1, len(DEALERS) + 1) ** 0.6
        self.dealer_p = dealer_weights / dealer_weights.sum()
        self.category_names = list(CATEGORIES)
        self.category_p = np.array(list(CATEGORIES.values()))
        self.part_share = np.array([_PART_SHARE.get(c, 0.0) for c in CATEGORIES])
        self.part_cum = np.cumsum(self.part_mix, axis=1)
        self.part_cum[:, -1] = 1.0
        self._mix_by_month: dict[tuple[int, int], np.ndarray] = {}

    def _model_probabilities(self, day: dt.date) -> np.ndarray:
        """Model mix on a day (per month): vehicles in service times each model's complaint propensity."""
        cached = self._mix_by_month.get((day.year, day.month))
        if cached is not None:
            return cached
        exposure = np.array([self.fleet.in_service(m, day) for m in self.models], dtype=float)
        weights = exposure * self.propensity
        mix = self._mix_by_month[(day.year, day.month)] = weights / weights.sum()
        return mix

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every ticket as a dict of column values (background then injected), unsorted."""
        per_day = self.rng.multinomial(self.count, _day_weights(self.days))
        for day, n in zip(self.days, per_day, strict=True):
            if n:
                yield from self._draw(day, int(n))
        yield from self._injected()

    def _draw(self, day: dt.date, n: int, **fixed: Any) -> Iterator[dict[str, Any]]:
        """`n` background tickets on `day` (or of the fixed cell values), drawn as arrays."""
        rng = self.rng
        model_idx = rng.choice(len(self.models), n, p=self._model_probabilities(day))
        if "vehicle_model" in fixed:
            model_idx[:] = self.models.index(fixed["vehicle_model"])
        categories = rng.choice(len(CATEGORIES), n, p=self.category_p)
        with_part = rng.random(n) < self.part_share[categories]
        part_idx = (rng.random(n)[:, None] > self.part_cum[model_idx]).sum(axis=1)
        dealer_idx = rng.choice(len(DEALERS), n, p=self.dealer_p)
        no_dealer = rng.random(n) < 0.1
        seconds = rng.integers(0, 86400, n)
        midnight = dt.datetime.combine(day, dt.time(), _LOCAL).astimezone(_UTC)
        for i in range(n):
            category = fixed.get("category") or self.category_names[categories[i]]
            part = fixed["part"] if "part" in fixed else (self.parts[part_idx[i]] if with_part[i] else None)
            dealer = fixed.get("dealer") or (None if no_dealer[i] else DEALERS[dealer_idx[i]])
            yield {
                "created_at": midnight + dt.timedelta(seconds=int(seconds[i])),
                "category": category,
                "vehicle_model": self.models[model_idx[i]],
                "part": part,
                "dealer": dealer,
            }

    def _injected(self) -> Iterator[dict[str, Any]]:
        """Extra tickets of each injected problem: the cell's background rate times (multiplier - 1)."""
        weekly_total = self.count / DEMO_WEEKS
        for problem in INJECTED:
            share = CATEGORIES[problem.category]
            if problem.vehicle_model is not None:
                m = self.models.index(problem.vehicle_model)
                model_share = float(self._model_probabilities(self.end)[m])
                if model_share == 0:
                    continue
                part_share = float(self.part_mix[m][self.parts.index(problem.part)]) if problem.part else 1.0
                # A new model's problem shows as a rate well above its peers', at least 2 a week.
                base = max(
                    weekly_total * share * model_share * _PART_SHARE[problem.category] * part_share, 2.0
                )
            else:
                base = max(weekly_total * share * float(self.dealer_p[DEALERS.index(problem.dealer)]), 2.0)
            for week in range(problem.weeks_ago):
                ramp = min(1.0, (week + 1) / 3)
                extra = int(self.rng.poisson(base * (problem.multiplier - 1) * ramp))
                monday = (
                    self.end
                    - dt.timedelta(days=self.end.weekday())
                    - dt.timedelta(weeks=problem.weeks_ago - 1 - week)
                )
                for _ in range(extra):
                    day = monday + dt.timedelta(days=int(self.rng.integers(0, 7)))
                    if day > self.end:
                        day = self.end
                    fixed = {
                        "category": problem.category,
                        "vehicle_model": problem.vehicle_model,
                        "part": problem.part,
                        "dealer": problem.dealer,
                    }
                    if problem.vehicle_model is None:
                        fixed.pop("vehicle_model")
                        fixed.pop("part")
                    yield from self._draw(day, 1, **fixed)


def _service(
    rng: np.random.Generator, created: dt.datetime, category: str, now: dt.datetime
) -> dict[str, Any]:
    """Handoff, first response, resolution, CSAT and reopening of one ticket, shaped by the desk's hours."""
    values: dict[str, Any] = {
        "waiting_since": None,
        "first_response_at": None,
        "resolved_at": None,
        "resolution": None,
        "csat": None,
        "reopened_count": 0,
        "assigned_to": None,
        "handoff_reason": None,
    }
    if category == "compliment":
        values["status"] = "closed"
        return values
    handed = rng.random() < 0.65 or category == "roadside_assistance"
    start = created
    if handed:
        values["waiting_since"] = created + dt.timedelta(seconds=int(rng.integers(20, 600)))
        values["handoff_reason"] = _REASONS[int(rng.integers(0, len(_REASONS)))]
        start = values["waiting_since"]
        local = start.astimezone(_LOCAL)
        wait = dt.timedelta(
            minutes=float(rng.lognormal(math.log(6 if category == "roadside_assistance" else 15), 0.9))
        )
        if not 8 <= local.hour < 20 and category != "roadside_assistance":
            opening = local.replace(hour=8, minute=0, second=0, microsecond=0)
            if local.hour >= 20:
                opening += dt.timedelta(days=1)
            wait += opening - local
        first = start + wait
        if first <= now:
            values["first_response_at"] = first
    values["assigned_to"] = AGENTS[int(rng.integers(0, len(AGENTS)))]
    resolved = start + dt.timedelta(hours=float(rng.lognormal(math.log(20), 1.0)))
    if values["first_response_at"] is not None:
        resolved = max(resolved, values["first_response_at"] + dt.timedelta(minutes=5))
    if (not handed or values["first_response_at"] is not None) and resolved <= now:
        values["resolved_at"] = resolved
        values["resolution"] = "已处理 / handled"
        slow = (resolved - created).total_seconds() > 3 * 86400
        if rng.random() < 0.55:
            # Slow resolutions are rated worse.
            values["csat"] = 1 + int(np.searchsorted(_CSAT_SLOW if slow else _CSAT_FAST, rng.random()))
        values["reopened_count"] = 1 if rng.random() < (0.12 if slow else 0.05) else 0
        values["status"] = "closed" if (now - resolved).days > 7 else "resolved"
    else:
        values["status"] = "waiting_agent" if handed and values["first_response_at"] is None else "assigned"
    return values


TICKET_COLUMNS = (
    "reference",
    "category",
    "secondary_category",
    "status",
    "priority",
    "channel",
    "sender_id",
    "conversation_key",
    "language",
    "customer_id",
    "customer_name",
    "phone",
    "vehicle_model",
    "dealer",
    "part",
    "quoted_amount",
    "charged_amount",
    "mileage",
    "description",
    "created_at",
    "updated_at",
    "assigned_to",
    "handoff_reason",
    "waiting_since",
    "first_response_at",
    "resolved_at",
    "resolution",
    "csat",
    "reopened_count",
)
CUSTOMER_COLUMNS = ("id", "phone", "name", "language", "created_at")


def _priority(rng: np.random.Generator, category: str, part: str | None) -> str:
    """Priority as the intake rules would set it (roadside and safety parts urgent, repeats high)."""
    if category == "roadside_assistance" or (part in ("brakes", "steering") and rng.random() < 0.3):
        return "urgent"
    if category == "compliment":
        return "low"
    if category == "repair_complaint" and rng.random() < 0.3:
        return "high"
    return "normal"


def fill(connection: Connection, count: int, seed: int, end: dt.date | None = None) -> dict[str, int]:
    """Insert `count` background tickets (plus the injected problems) and their customers; the counts."""
    end = end or dt.datetime.now(_LOCAL).date()
    now = dt.datetime.now(_UTC)
    history = DemoHistory(count, seed, end)
    drawn = sorted(history.rows(), key=lambda row: row["created_at"])
    rng = np.random.default_rng(seed + 1)
    first_customer = next_id(connection, "customers")
    customers: list[tuple[Any, ...]] = []
    customer_of_ticket: list[int] = []
    for row in drawn:
        if customers and rng.random() < 0.15:  # a returning customer
            customer_of_ticket.append(int(rng.integers(0, len(customers))))
            continue
        index = len(customers)
        language = "en" if rng.random() < 0.15 else "zh"
        name = _SURNAMES[index % 20] + _GIVEN[(index // 20) % 20] if language == "zh" else f"Customer {index}"
        phone = f"+86170{(first_customer + index) % 10**8:08d}"
        customers.append((first_customer + index, phone, name, language, row["created_at"]))
        customer_of_ticket.append(index)
    insert_rows(connection, "customers", CUSTOMER_COLUMNS, customers)
    fix_sequence(connection, "customers")

    years: dict[int, int] = {}
    for row in drawn:
        year = row["created_at"].astimezone(_LOCAL).year
        years[year] = years.get(year, 0) + 1
    numbers = {year: reserve_references(connection, year, n) for year, n in sorted(years.items())}
    run = f"{seed}-{first_customer}"

    def tickets() -> Iterator[tuple[Any, ...]]:
        for i, row in enumerate(drawn):
            customer = customers[customer_of_ticket[i]]
            year = row["created_at"].astimezone(_LOCAL).year
            number, numbers[year] = numbers[year], numbers[year] + 1
            category, part = row["category"], row["part"]
            service = _service(rng, row["created_at"], category, now)
            language = customer[3]
            quoted = charged = None
            if category == "pricing_dispute":
                quoted = round(float(rng.uniform(150, 2000)), 2)
                charged = round(quoted * float(rng.uniform(1.2, 5.0)), 2)
            yield (
                format_reference(year, number),
                category,
                "pricing_dispute" if category == "repair_complaint" and rng.random() < 0.12 else None,
                service.pop("status"),
                _priority(rng, category, part),
                "telegram" if rng.random() < 0.25 else "web",
                f"demo-{run}-{i}",
                f"demo:{run}:{i}",
                language,
                customer[0],
                customer[2],
                customer[1],
                None if category == "staff_complaint" and rng.random() < 0.5 else row["vehicle_model"],
                row["dealer"],
                part,
                quoted,
                charged,
                int(rng.integers(500, 150000)),
                _descriptions(category, row["vehicle_model"], part, language),
                row["created_at"],
                service["resolved_at"] or service["first_response_at"] or row["created_at"],
                service["assigned_to"],
                service["handoff_reason"],
                service["waiting_since"],
                service["first_response_at"],
                service["resolved_at"],
                service["resolution"],
                service["csat"],
                service["reopened_count"],
            )

    inserted = insert_rows(connection, "tickets", TICKET_COLUMNS, tickets())
    return {"tickets": inserted, "customers": len(customers)}

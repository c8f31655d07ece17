"""Scripted complaint intakes: customers who answer whatever the bot asks, until a ticket reference."""

from __future__ import annotations

import asyncio
import itertools
import re
import statistics
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.benchmark.client import tracker_state, web_turn
from bot.benchmark.load import client_session
from bot.constants import Slot
from bot.intake.questions import asked_together, still_needed
from bot.intake.spec import CATEGORIES

REFERENCE = re.compile(r"CMP-\d{4}-\d{6}")
MAX_TURNS = 16

ZH_DETAILS: dict[str, str] = {
    Slot.DESCRIPTION.value: "修完以后还是有异响，开起来很明显",
    Slot.VEHICLE_MODEL.value: "迈腾",
    Slot.PHONE.value: "13812345678",
    Slot.DEALER.value: "成都南4S店",
    Slot.SERVICE_DATE.value: "11月3号",
    Slot.PART.value: "空调",
    Slot.CUSTOMER_NAME.value: "张伟",
    Slot.QUOTED_AMOUNT.value: "报价200元",
    Slot.CHARGED_AMOUNT.value: "实际收了1000元",
    Slot.MILEAGE.value: "3万公里",
    Slot.VIN.value: "LFV3A28W5K3095602",
    Slot.LOCATION.value: "成都高新区天府三街",
    Slot.LICENSE_PLATE.value: "川A12345",
}
EN_DETAILS: dict[str, str] = {
    Slot.DESCRIPTION.value: "the noise came back the same evening",
    Slot.VEHICLE_MODEL.value: "Passat",
    Slot.PHONE.value: "13912345678",
    Slot.DEALER.value: "Chengdu South 4S",
    Slot.SERVICE_DATE.value: "Nov 3rd",
    Slot.PART.value: "the air conditioning",
    Slot.CUSTOMER_NAME.value: "David Wang",
    Slot.QUOTED_AMOUNT.value: "they quoted 200 yuan",
    Slot.CHARGED_AMOUNT.value: "they charged 1,000 yuan",
    Slot.MILEAGE.value: "32,000 km",
    Slot.VIN.value: "LSVNV6188P2031846",
    Slot.LOCATION.value: "Third Ring Road near Wangjing, Beijing",
    Slot.LICENSE_PLATE.value: "京N8K9A2",
}


def answer_to(tracker: Mapping[str, Any], details: Mapping[str, str], skip: str) -> str:
    """A customer's answer to the form's question: every detail it asks that the customer has, else `skip`.

    The details a question asks come from the intake spec (a grouped question asks its group's details the
    form still needs), as the bot itself decides them.
    """
    slots = tracker.get("slots") or {}
    requested = str(slots.get("requested_slot") or "")
    form = (tracker.get("active_loop") or {}).get("name")
    category = next((c for c in CATEGORIES if c.form == form), None)
    required = [slot.value for slot in category.details] if category else [requested]
    skipped = slots.get(Slot.SKIPPED_SLOTS.value) or []
    asked = asked_together(requested, still_needed(required, slots, skipped))
    answers = list(dict.fromkeys(details[slot] for slot in asked if slot in details))  # each answer once
    if not answers:
        return skip
    return (", " if all(a.isascii() for a in answers) else "，").join(answers)


@dataclass(frozen=True)
class IntakeScript:
    """A customer who opens a complaint and answers any question from `details` (else skips)."""

    opening: str
    details: Mapping[str, str]
    confirm: str
    skip: str


def zh_intake(opening: str, **details: str) -> IntakeScript:
    """A Chinese-speaking customer; `details` override the default answers."""
    return IntakeScript(opening, {**ZH_DETAILS, **details}, "对，提交", "跳过")


def en_intake(opening: str, **details: str) -> IntakeScript:
    """An English-speaking customer; `details` override the default answers."""
    return IntakeScript(opening, {**EN_DETAILS, **details}, "yes, submit it", "skip")


SCRIPTS: tuple[IntakeScript, ...] = (
    zh_intake("我的帕萨特上周五在成都南4S店修空调，报价200结果收了1000，电话13812345678"),
    zh_intake("迈腾的天窗漏水，修过一次了，前天下雨又漏", part="天窗"),
    zh_intake("服务顾问态度太差了，说好三天内回电话，到现在都没人联系我"),
    zh_intake("新买的速腾，变速箱顿挫严重，才开了5000公里", vehicle_model="速腾", mileage="5000公里"),
    zh_intake("换个电瓶收我1200块，比官网贵了一倍", quoted_amount="官网价格600元", charged_amount="1200元"),
    en_intake("My Passat's air conditioning was repaired at Chengdu South last Friday and the noise is back"),
    en_intake("they quoted me 1,600 yuan for the brakes and then charged 2,300", part="brakes"),
    en_intake("the service advisor at Hangzhou Zhongda 4S hung up on me", dealer="Hangzhou Zhongda 4S"),
    en_intake("brand new Tayron and the infotainment keeps rebooting", vehicle_model="Tayron"),
    en_intake("third time at the workshop for the same transmission fault and it's still not fixed"),
)


@dataclass
class IntakeResult:
    """How many intakes were attempted and completed, their turns, and the wall time."""

    concurrency: int
    attempted: int = 0
    turns_of_completed: list[int] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def completed(self) -> int:
        """Intakes that ended with a ticket reference."""
        return len(self.turns_of_completed)

    @property
    def per_minute(self) -> float:
        """Completed intakes per minute of wall time."""
        return self.completed * 60 / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def median_turns(self) -> float:
        """Median customer messages per completed intake."""
        return statistics.median(self.turns_of_completed) if self.turns_of_completed else float("nan")

    def as_dict(self) -> dict[str, float | int]:
        """The figures as a JSON-ready dict."""
        return {
            "concurrency": self.concurrency,
            "attempted": self.attempted,
            "completed": self.completed,
            "per_minute": self.per_minute,
            "median_turns": self.median_turns,
            "wall_s": self.wall_s,
        }


async def run_intake(
    session: aiohttp.ClientSession,
    webhook_url: str,
    rasa_url: str,
    token: str,
    script: IntakeScript,
    api_token: str | None = None,
) -> int | None:
    """Play one intake: the customer messages it took to get a ticket reference, or None if it never came."""
    sender = f"bench-intake-{uuid.uuid4().hex[:10]}"
    text = script.opening
    for turn in range(1, MAX_TURNS + 1):
        replies = await web_turn(session, webhook_url, sender, text, api_token)
        if replies is None:
            return None
        if any(REFERENCE.search(str(r.get("text") or "")) for r in replies):
            return turn
        tracker = await tracker_state(session, rasa_url, token, sender)
        asked = (tracker.get("slots") or {}).get("requested_slot")
        in_form = bool((tracker.get("active_loop") or {}).get("name"))
        # In a form: answer the question asked. Otherwise the summary is waiting for a confirmation.
        text = answer_to(tracker, script.details, script.skip) if in_form and asked else script.confirm
    return None


async def run_intakes(
    webhook_url: str,
    rasa_url: str,
    token: str,
    scripts: Sequence[IntakeScript] = SCRIPTS,
    concurrency: int = 10,
    per_customer: int = 2,
    api_token: str | None = None,
) -> IntakeResult:
    """`concurrency` customers each play `per_customer` scripted intakes back to back."""
    result = IntakeResult(concurrency)
    numbers = itertools.count()

    async def customer(session: aiohttp.ClientSession) -> None:
        for _ in range(per_customer):
            script = scripts[next(numbers) % len(scripts)]
            result.attempted += 1
            turns = await run_intake(session, webhook_url, rasa_url, token, script, api_token)
            if turns is not None:
                result.turns_of_completed.append(turns)

    async with client_session(concurrency) as session:
        started = time.perf_counter()
        await asyncio.gather(*(customer(session) for _ in range(concurrency)))
        result.wall_s = time.perf_counter() - started
    return result

"""Intake actions run directly on tracker fixtures (no servers), as Rasa's reference assistants test them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import ticket_filing
from actions.compliment import ActionAcknowledgeThanks, ActionRecordCompliment
from actions.intake import ActionRouteDetails, ActionShowSummary, ActionStartIntake, ActionStartRoadside
from actions.intake_validation import FORM_VALIDATORS
from bot.constants import Slot
from bot.runtime.settings import PROJECT_ROOT
from bot.tickets.store import TicketStore, ticket_to_dict

TODAY = "2026-11-25"
pytestmark = pytest.mark.anyio


@lru_cache(maxsize=1)
def _domain() -> dict[str, Any]:
    """The assistant's real domain, as the action server receives it."""
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_ROOT / "domain")).as_dict()


@pytest.fixture()
def domain() -> dict[str, Any]:
    """A copy of the domain for one test."""
    return copy.deepcopy(_domain())


@pytest.fixture()
def tickets(fresh_sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TicketStore]:
    """The ticket store the actions file into: a fresh SQLite database."""
    monkeypatch.setenv("DATABASE_URL", fresh_sqlite_url)
    ticket_filing.ticket_store.cache_clear()
    yield TicketStore(fresh_sqlite_url)
    ticket_filing.ticket_store.cache_clear()


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative dates resolve against a fixed day."""
    monkeypatch.setenv("BOT_TODAY", TODAY)


def tracker(
    text: str,
    intent: str = "inform",
    confidence: float = 0.95,
    ranking: list[tuple[str, float]] | None = None,
    slots: dict[str, Any] | None = None,
    set_this_turn: dict[str, Any] | None = None,
    form: str | None = None,
    requested: str | None = None,
) -> Tracker:
    """A tracker whose latest message is `text`; `set_this_turn` are slots the message itself filled."""
    language = "en" if text.isascii() else "zh"
    values = {Slot.LANGUAGE.value: language, "requested_slot": requested, **(slots or {})}
    values.update(set_this_turn or {})
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in (ranking or [(intent, confidence)])],
        "entities": [],
    }
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": text, "parse_data": latest, "timestamp": 2.0},
    ]
    events += [
        {"event": "slot", "name": k, "value": v, "timestamp": 2.1} for k, v in (set_this_turn or {}).items()
    ]
    return Tracker(
        "test-sender",
        values,
        latest,
        events,
        False,
        None,
        {"name": form} if form else {},
        "action_listen",
    )


def filed(store: TicketStore) -> list[dict[str, Any]]:
    """The tickets the test conversation filed, as JSON documents."""
    return [ticket_to_dict(t) for t in store.find_by_conversation("test-sender")]


def slot_values(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The slot values the events set (the last one per slot)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    """The responses the action uttered, by name."""
    return [m.get("response") for m in dispatcher.messages]


async def test_start_keeps_what_the_opening_message_said_and_resets_the_rest(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    opening = tracker(
        "服务顾问先报价200元,换鼓风机的时候又说要1000元",
        intent="pricing_dispute",
        slots={Slot.DEALER.value: "an earlier case's dealer", Slot.CUSTOMER_NAME.value: "王先生"},
        set_this_turn={Slot.QUOTED_AMOUNT.value: "200", Slot.CHARGED_AMOUNT.value: "1000"},
    )
    set_slots = slot_values(await ActionStartIntake().run(dispatcher, opening, domain))
    assert set_slots[Slot.CATEGORY.value] == "pricing_dispute"
    assert set_slots[Slot.DESCRIPTION.value].startswith("服务顾问先报价200元")
    assert set_slots[Slot.DEALER.value] is None  # the earlier case's detail is gone
    assert Slot.QUOTED_AMOUNT.value not in set_slots and Slot.CHARGED_AMOUNT.value not in set_slots
    assert Slot.CUSTOMER_NAME.value not in set_slots  # who the customer is carries over
    assert responses(dispatcher) == ["utter_intake_start"]


@pytest.mark.parametrize(
    ("text", "confidence", "runner_up", "response"),
    [
        ("\uff0frestart", 0.99, 0.0, "utter_default"),  # "/restart" as the channel guard passes it on
        ("/restart", 0.99, 0.0, "utter_default"),
        ("??", 0.9, 0.0, "utter_default"),
        ("高速上车坏了", 0.55, 0.3, "utter_roadside_unclear"),  # the model is unsure
        ("my car broke down on the highway", 0.85, 0.7, "utter_roadside_unclear"),  # close runner-up
    ],
)
async def test_roadside_needs_a_clear_request(
    domain: dict, text: str, confidence: float, runner_up: float, response: str
) -> None:
    dispatcher = CollectingDispatcher()
    message = tracker(
        text,
        intent="roadside_assistance",
        confidence=confidence,
        ranking=[("roadside_assistance", confidence), ("product_defect", runner_up)],
    )
    events = await ActionStartRoadside().run(dispatcher, message, domain)
    assert responses(dispatcher) == [response]
    assert events == [FollowupAction("action_listen")]  # the form never starts, nothing is set


async def test_a_clear_roadside_request_opens_the_form(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    message = tracker(
        "我的车在高速上爆胎了,没有备胎",
        intent="roadside_assistance",
        ranking=[("roadside_assistance", 0.95), ("product_defect", 0.02)],
    )
    set_slots = slot_values(await ActionStartRoadside().run(dispatcher, message, domain))
    assert set_slots[Slot.CATEGORY.value] == "roadside_assistance"
    assert responses(dispatcher) == ["utter_roadside_start"]


async def test_details_never_route_to_roadside(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    message = tracker(
        "G4高速长沙段",
        ranking=[("inform", 0.6), ("roadside_assistance", 0.35), ("product_defect", 0.05)],
    )
    events = await ActionRouteDetails().run(dispatcher, message, domain)
    assert events[-1] == FollowupAction("product_defect_form")
    assert slot_values(events)[Slot.CATEGORY.value] == "product_defect"


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [
        (
            "zh",
            ["迈腾", "鼓风机", "北京亚运村4S店", "先报价200元,后来要1,000元(+800元)", "2026年10月"],
            ["Magotan", "blower_motor"],
        ),
        (
            "en",
            ["Magotan", "blower motor", "quoted 200, then 1,000 CNY (+800)", "around October 2026"],
            ["blower_motor"],
        ),
    ],
)
async def test_summary_shows_names_and_the_price_jump(
    domain: dict, language: str, shown: list[str], hidden: list[str]
) -> None:
    slots = {
        Slot.LANGUAGE.value: language,
        Slot.CATEGORY.value: "repair_complaint",
        Slot.VEHICLE_MODEL.value: "Magotan",
        Slot.PART.value: "blower_motor",
        Slot.DEALER.value: "北京亚运村4S店",
        Slot.SERVICE_DATE.value: "2026-10",
        Slot.QUOTED_AMOUNT.value: "200",
        Slot.CHARGED_AMOUNT.value: "1000",
        Slot.DESCRIPTION.value: "鼓风机",
    }
    dispatcher = CollectingDispatcher()
    at_summary = tracker("ok", slots=slots)
    at_summary.slots[Slot.LANGUAGE.value] = language
    before = dict(at_summary.slots)
    events = await ActionShowSummary().run(dispatcher, at_summary, domain)
    details = dispatcher.messages[0]["details"]  # type: ignore[index]
    for text in shown:
        assert text in details, details
    for text in hidden:
        assert text not in details, details
    assert slot_values(events)[Slot.SECONDARY_CATEGORY.value] == "pricing_dispute"
    assert at_summary.slots == before  # the secondary category travels as an event, not by mutation


async def validate(form: str, text: str, requested: str, domain: dict, **slots: Any) -> tuple[dict, list]:
    """Run a form's validation on an answer to `requested`; (slot values set, responses)."""
    dispatcher = CollectingDispatcher()
    answer = tracker(text, slots=slots, set_this_turn={requested: text}, form=form, requested=requested)
    events = await FORM_VALIDATORS[form]().run(dispatcher, answer, domain)
    return slot_values(events), responses(dispatcher)


@pytest.mark.parametrize(
    ("answer", "name"),
    [
        ("王先生 13812345678", "王先生"),
        ("Li Wei, 13812345678", "Li Wei"),
        ("我姓王,电话13812345678", "王先生/女士"),
    ],
)
async def test_name_and_phone_are_read_from_one_answer(domain: dict, answer: str, name: str) -> None:
    values, said = await validate("repair_complaint_form", answer, "phone", domain)
    assert values[Slot.PHONE.value] == "+8613812345678"
    assert values[Slot.CUSTOMER_NAME.value] == name
    assert said == []


async def test_a_phone_alone_means_no_name_is_asked_for(domain: dict) -> None:
    values, _ = await validate("pricing_dispute_form", "13812345678", "phone", domain)
    assert values[Slot.PHONE.value] == "+8613812345678"
    assert Slot.CUSTOMER_NAME.value in values[Slot.SKIPPED_SLOTS.value]


async def test_a_bad_phone_is_explained_and_counted(domain: dict) -> None:
    values, said = await validate("repair_complaint_form", "12345", "phone", domain)
    assert values[Slot.PHONE.value] is None
    assert values[Slot.FAILED_ATTEMPTS.value] == {Slot.PHONE.value: 1}
    assert said == ["utter_invalid_phone"]


@pytest.mark.parametrize(
    ("answer", "value"),
    [("上个月", "2026-10"), ("last month", "2026-10"), ("上周五", "2026-11-20"), ("2026-10", "2026-10")],
)
async def test_a_rough_date_is_accepted(domain: dict, answer: str, value: str) -> None:
    values, said = await validate("repair_complaint_form", answer, "service_date", domain)
    assert values[Slot.SERVICE_DATE.value] == value
    assert said == []


async def test_a_date_from_the_opening_message_is_accepted_as_extracted(domain: dict) -> None:
    """The form validates the date entity's canonical value ("2026-10" for "last month"), not the words."""
    dispatcher = CollectingDispatcher()
    opening = tracker(
        "they quoted 900, then wanted 1,500, last month",
        set_this_turn={Slot.SERVICE_DATE.value: "2026-10", Slot.QUOTED_AMOUNT.value: "900"},
        form="pricing_dispute_form",
    )
    events = await FORM_VALIDATORS["pricing_dispute_form"]().run(dispatcher, opening, domain)
    assert slot_values(events)[Slot.SERVICE_DATE.value] == "2026-10"
    assert responses(dispatcher) == []


async def test_an_optional_detail_is_skipped_after_two_failures(domain: dict) -> None:
    values, said = await validate(
        "product_defect_form", "LFV2A21K7E312345", "vin", domain, failed_attempts={"vin": 1}
    )
    assert said == ["utter_slot_skipped"]
    assert Slot.VIN.value in values[Slot.SKIPPED_SLOTS.value]


@pytest.mark.parametrize("junk", ["x", "??", "123", "\uff0frestart"])
async def test_a_junk_location_is_refused(domain: dict, junk: str) -> None:
    values, said = await validate("roadside_assistance_form", junk, "location", domain)
    assert values[Slot.LOCATION.value] is None
    assert said == ["utter_invalid_location"]


async def test_thanks_that_praise_are_recorded_as_a_compliment(domain: dict, tickets: TicketStore) -> None:
    dispatcher = CollectingDispatcher()
    thanks = tracker("Your agent was so helpful, thanks Li Wei!", intent="thank")
    events = await ActionAcknowledgeThanks().run(dispatcher, thanks, domain)
    (ticket,) = filed(tickets)
    assert ticket["category"] == "compliment"
    assert ticket["description"] == "Your agent was so helpful, thanks Li Wei!"
    assert slot_values(events)[Slot.FILED_TICKET.value] == ticket["reference"]
    assert responses(dispatcher) == ["utter_compliment_recorded"]
    assert thanks.slots.get(Slot.DESCRIPTION.value) is None  # the description went to the ticket directly


async def test_plain_thanks_file_nothing(domain: dict, tickets: TicketStore) -> None:
    dispatcher = CollectingDispatcher()
    assert await ActionAcknowledgeThanks().run(dispatcher, tracker("thanks!", intent="thank"), domain) == []
    assert responses(dispatcher) == ["utter_you_are_welcome"]
    assert filed(tickets) == []


async def test_a_compliment_is_filed_with_its_words(domain: dict, tickets: TicketStore) -> None:
    dispatcher = CollectingDispatcher()
    praise = tracker("成都南4S店的王师傅服务特别好", intent="compliment")
    await ActionRecordCompliment().run(dispatcher, praise, domain)
    (ticket,) = filed(tickets)
    assert (ticket["category"], ticket["priority"]) == ("compliment", "low")
    assert ticket["description"] == "成都南4S店的王师傅服务特别好"
    assert praise.slots.get(Slot.DESCRIPTION.value) is None  # passed to the ticket, not through the slots


# --- questions that ask several details ------------------------------------------------------------


async def answer(
    form: str, text: str, requested: str, domain: dict, intent: str = "inform", **slots: Any
) -> tuple[dict, list]:
    """Run a form's validation on a reply to the question for `requested`; (slot values set, responses).

    Nothing is pre-mapped: the reply is read as the validation reads it from the customer's message.
    """
    dispatcher = CollectingDispatcher()
    reply = tracker(text, intent=intent, slots=slots, form=form, requested=requested)
    events = await FORM_VALIDATORS[form]().run(dispatcher, reply, domain)
    return slot_values(events), responses(dispatcher)


@pytest.mark.parametrize(
    ("reply", "dealer", "date"),
    [
        ("成都南4S店,11月3号", "成都南4S店", "2026-11-03"),
        ("11月3号在成都南4S店", "成都南4S店", "2026-11-03"),  # either order
        ("城南那家店,上个月", "城南那家店", "2026-10"),  # a dealer the extractor does not know
        ("Nov 3rd at the Shanghai Pudong dealer", "Shanghai Pudong dealer", "2026-11-03"),
    ],
)
async def test_dealer_and_date_are_read_from_one_answer(
    domain: dict, reply: str, dealer: str, date: str
) -> None:
    values, said = await answer("repair_complaint_form", reply, "dealer", domain)
    assert values[Slot.DEALER.value] == dealer
    assert values[Slot.SERVICE_DATE.value] == date
    assert not values.get(Slot.SKIPPED_SLOTS.value)
    assert said == []


@pytest.mark.parametrize(
    ("reply", "given", "value", "left_out"),
    [
        ("11月3号", "service_date", "2026-11-03", "dealer"),  # the date alone is not taken as a dealer
        ("成都南4S店", "dealer", "成都南4S店", "service_date"),
        ("北京亚运村4S店,日期不记得了", "dealer", "北京亚运村4S店", "service_date"),
    ],
)
async def test_a_partner_left_out_is_skipped_not_asked_again(
    domain: dict, reply: str, given: str, value: str, left_out: str
) -> None:
    values, said = await answer("staff_complaint_form", reply, "dealer", domain)
    assert values[given] == value
    assert values[left_out] is None
    assert values[Slot.SKIPPED_SLOTS.value] == [left_out]
    assert said == []


@pytest.mark.parametrize(
    ("reply", "mileage", "vin"),
    [
        ("3万公里 LFV3A28W5K3095602", "30000", "LFV3A28W5K3095602"),
        ("LFV3A28W5K3095602, 32,000 km", "32000", "LFV3A28W5K3095602"),
        ("LFV3A28W5K3095602", None, "LFV3A28W5K3095602"),
        ("3万公里,车架号不记得了", "30000", None),
    ],
)
async def test_mileage_and_vin_from_one_answer(
    domain: dict, reply: str, mileage: str | None, vin: str | None
) -> None:
    values, _ = await answer("product_defect_form", reply, "mileage", domain)
    assert values[Slot.MILEAGE.value] == mileage
    assert values[Slot.VIN.value] == vin
    assert set(values.get(Slot.SKIPPED_SLOTS.value) or []) == {
        slot for slot, value in (("mileage", mileage), ("vin", vin)) if value is None
    }


async def test_a_bad_vin_beside_no_mileage_is_explained(domain: dict) -> None:
    values, said = await answer("product_defect_form", "LFV2A21K7E3123456", "mileage", domain)
    assert values[Slot.VIN.value] is None
    assert values[Slot.FAILED_ATTEMPTS.value] == {Slot.VIN.value: 1}
    assert said == ["utter_invalid_vin_check_digit"]
    assert Slot.VIN.value not in values[Slot.SKIPPED_SLOTS.value]  # asked again, on its own


@pytest.mark.parametrize(
    "reply",
    ["报价200元,实际收了1000元", "实际收了1000元,报价200元", "they quoted 200 yuan, then charged 1,000"],
)
async def test_quote_and_charge_from_one_answer_in_either_order(domain: dict, reply: str) -> None:
    values, _ = await answer("pricing_dispute_form", reply, "quoted_amount", domain)
    assert (values[Slot.QUOTED_AMOUNT.value], values[Slot.CHARGED_AMOUNT.value]) == ("200", "1000")


async def test_a_required_partner_left_out_is_asked_again(domain: dict) -> None:
    values, _ = await answer("pricing_dispute_form", "报价200元", "quoted_amount", domain)
    assert values[Slot.QUOTED_AMOUNT.value] == "200"
    assert values[Slot.CHARGED_AMOUNT.value] is None
    assert not values.get(Slot.SKIPPED_SLOTS.value)  # a required detail is never skipped


async def test_model_and_part_from_one_answer(domain: dict) -> None:
    values, _ = await answer("product_defect_form", "一汽马自达CX-4,中控异响", "vehicle_model", domain)
    assert values[Slot.VEHICLE_MODEL.value] == "一汽马自达CX-4"
    assert values[Slot.PART.value] == "中控异响"


@pytest.mark.parametrize(("reply", "intent"), [("没有", "deny"), ("no", "deny"), ("none", "inform")])
async def test_a_bare_no_to_an_optional_question_skips_it(domain: dict, reply: str, intent: str) -> None:
    values, said = await answer("repair_complaint_form", reply, "dealer", domain, intent=intent)
    assert said == ["utter_slot_skipped"]  # not the cancel question
    assert set(values[Slot.SKIPPED_SLOTS.value]) == {Slot.DEALER.value, Slot.SERVICE_DATE.value}


async def test_a_bare_no_to_a_required_question_leaves_it_to_the_cancel_question(domain: dict) -> None:
    values, said = await answer("repair_complaint_form", "没有", "phone", domain, intent="deny")
    assert Slot.PHONE.value not in values and Slot.SKIPPED_SLOTS.value not in values
    assert said == []  # nothing validated: the form is rejected and the rules ask whether to cancel


async def test_no_with_a_detail_answers_the_question(domain: dict) -> None:
    values, said = await answer(
        "repair_complaint_form", "no, it was last month", "dealer", domain, intent="deny"
    )
    assert values[Slot.SERVICE_DATE.value] == "2026-10"
    assert said == []


async def test_cancel_words_are_not_a_skip(domain: dict) -> None:
    values, said = await answer("repair_complaint_form", "算了,取消吧", "dealer", domain, intent="deny")
    assert Slot.SKIPPED_SLOTS.value not in values
    assert "utter_slot_skipped" not in said


@pytest.mark.parametrize(
    ("requested", "slots", "response"),
    [
        ("phone", {}, "utter_ask_phone_and_customer_name"),
        ("phone", {Slot.CUSTOMER_NAME.value: "王先生"}, "utter_ask_phone"),  # the name is known
        ("dealer", {}, "utter_ask_dealer_and_service_date"),
        ("dealer", {Slot.SERVICE_DATE.value: "2026-10"}, "utter_ask_dealer"),  # the opening gave the date
        ("dealer", {Slot.SKIPPED_SLOTS.value: ["service_date"]}, "utter_ask_dealer"),
        ("vehicle_model", {}, "utter_ask_vehicle_model_and_part"),
    ],
)
async def test_a_question_asks_its_group_only_for_what_is_still_needed(
    domain: dict, requested: str, slots: dict, response: str
) -> None:
    from actions.intake_questions import ASK_ACTIONS

    dispatcher = CollectingDispatcher()
    asking = tracker("", slots=slots, form="repair_complaint_form", requested=requested)
    assert await ASK_ACTIONS[requested]().run(dispatcher, asking, domain) == []
    assert responses(dispatcher) == [response]
    assert response in domain["responses"]


async def test_a_staff_complaint_asks_the_model_alone(domain: dict) -> None:
    from actions.intake_questions import ASK_ACTIONS

    dispatcher = CollectingDispatcher()
    asking = tracker("", form="staff_complaint_form", requested="vehicle_model")
    await ASK_ACTIONS["vehicle_model"]().run(dispatcher, asking, domain)
    assert responses(dispatcher) == ["utter_ask_vehicle_model"]  # the staff form does not ask the part


async def test_an_opening_naming_another_brands_car_fills_the_model(domain: dict) -> None:
    dispatcher = CollectingDispatcher()
    opening = tracker(
        "一汽马自达CX-4中控及扶手箱异响",
        intent="product_defect",
        set_this_turn={Slot.PART.value: "center_console"},
    )
    set_slots = slot_values(await ActionStartIntake().run(dispatcher, opening, domain))
    assert set_slots[Slot.VEHICLE_MODEL.value] == "一汽马自达CX-4"
    # The form validates it when it starts, and keeps it.
    activated = tracker(
        "一汽马自达CX-4中控及扶手箱异响",
        set_this_turn={Slot.VEHICLE_MODEL.value: "一汽马自达CX-4"},
        form="product_defect_form",
    )
    events = await FORM_VALIDATORS["product_defect_form"]().run(CollectingDispatcher(), activated, domain)
    assert slot_values(events)[Slot.VEHICLE_MODEL.value] == "一汽马自达CX-4"


async def test_a_question_asked_back_is_not_taken_as_the_dealer(domain: dict) -> None:
    reply = "顺便问一下,小保养多久做一次?"
    values, said = await answer(
        "repair_complaint_form", reply, "dealer", domain, intent="maintenance_question"
    )
    assert Slot.DEALER.value not in values and Slot.SKIPPED_SLOTS.value not in values
    assert said == []  # the form is rejected; the digression rule answers, then the question comes again

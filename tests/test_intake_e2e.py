"""End-to-end intake: real Rasa and action servers, a customer on the web channel, tickets read from the DB.

Every test runs against SQLite and against PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.constants import Category, Language, Priority, Slot, TicketStatus
from bot.runtime.servers import START_TIMEOUT_ENV
from bot.tickets.store import TicketStore, ticket_to_dict
from tests.assistant import REFERENCE, Assistant, Customer, backend, run_assistant

BLOWER_ZH = "我的帕萨特上周五在成都南4S店修空调,报价200结果收了1000,电话13812345678"
BLOWER_EN = (
    "My Passat's air conditioning was repaired at Chengdu South dealership last Friday; "
    "they quoted 200 yuan but charged me 1000. My phone is 13812345678"
)
SKIP_ZH = {
    Slot.CUSTOMER_NAME.value: "跳过",
    Slot.DEALER.value: "不知道",
    Slot.SERVICE_DATE.value: "不记得了",
    Slot.PART.value: "不清楚",
    Slot.MILEAGE.value: "跳过",
    Slot.VIN.value: "没有",
}
SKIP_EN = {slot: "skip" for slot in SKIP_ZH}


def previous_week_friday(today: dt.date) -> dt.date:
    """上周五: the Friday of the Monday-Sunday week before this one."""
    return today - dt.timedelta(days=today.weekday() + 3)


def last_friday(today: dt.date) -> dt.date:
    """'last Friday': the most recent Friday before today."""
    return today - dt.timedelta(days=(today.weekday() - 4) % 7 or 7)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def assistant(request: pytest.FixtureRequest, trained_model: Path) -> Iterator[Assistant]:
    """The running assistant on each deployment: SQLite + in-memory locks, PostgreSQL + Redis locks."""
    url, redis_url = backend(request, request.param)
    # The machine is shared by several teams' test runs; loading the model can take minutes.
    slow_start = {START_TIMEOUT_ENV: "600"}
    with run_assistant(trained_model, url, f"intake-{request.param}", redis_url, slow_start) as running:
        yield running


def tickets_of(assistant: Assistant, customer: Customer) -> list[dict]:
    """The tickets this customer's conversation filed."""
    store = TicketStore(assistant.database_url)
    return [ticket_to_dict(t) for t in store.find_by_conversation(customer.sender)]


def file_complaint(customer: Customer, opening: str, answers: dict[str, str], confirm: str) -> str:
    """Open a complaint, answer the form, confirm the summary; return the reply with the reference."""
    customer.say(opening)
    customer.answer_form(answers)
    reply = customer.say(confirm)
    assert REFERENCE.search(reply), reply
    return reply


def test_blower_case_chinese(assistant: Assistant) -> None:
    customer = assistant.customer()
    first = customer.say(BLOWER_ZH)
    assert "抱歉" in first  # empathy first, in Chinese
    summary = customer.answer_form(SKIP_ZH)
    assert "13812345678" in summary or "+8613812345678" in summary
    reply = customer.say("对,提交")
    reference = REFERENCE.search(reply).group(0)
    assert customer.turns <= 4  # opening, maybe the name, confirm

    (ticket,) = tickets_of(assistant, customer)
    assert ticket["reference"] == reference
    assert {ticket["category"], ticket["secondary_category"]} == {
        Category.REPAIR_COMPLAINT,
        Category.PRICING_DISPUTE,
    }
    assert ticket["vehicle_model"] == "Passat"
    assert ticket["phone"] == "+8613812345678"
    assert ticket["part"] == "air_conditioning"
    assert float(ticket["quoted_amount"]) == 200
    assert float(ticket["charged_amount"]) == 1000
    assert ticket["service_date"] == previous_week_friday(dt.date.today()).isoformat()
    assert "成都南" in (ticket["dealer"] or "")
    assert ticket["language"] == Language.ZH
    assert ticket["status"] == TicketStatus.OPEN
    assert ticket["channel"] == "web"
    assert ticket["description"].startswith("我的帕萨特上周五")
    assert ticket["transcript"][0] == {**ticket["transcript"][0], "role": "customer", "text": BLOWER_ZH}
    assert any(line["role"] == "bot" for line in ticket["transcript"])

    # The action server logged the filing, with the phone masked.
    log = (assistant.log_dir / "actions.log").read_text(encoding="utf-8", errors="replace")
    assert f"filed {reference}" in log and "+86138****5678" in log
    assert "13812345678" not in log


def test_blower_case_english(assistant: Assistant) -> None:
    customer = assistant.customer()
    first = customer.say(BLOWER_EN)
    assert "sorry" in first.lower()
    customer.answer_form(SKIP_EN)
    reply = customer.say("yes, that's right")
    assert "Your complaint is filed as" in reply
    (ticket,) = tickets_of(assistant, customer)
    assert {ticket["category"], ticket["secondary_category"]} == {
        Category.REPAIR_COMPLAINT,
        Category.PRICING_DISPUTE,
    }
    assert ticket["vehicle_model"] == "Passat"
    assert ticket["phone"] == "+8613812345678"
    assert float(ticket["quoted_amount"]) == 200
    assert float(ticket["charged_amount"]) == 1000
    assert ticket["service_date"] == last_friday(dt.date.today()).isoformat()
    assert ticket["language"] == Language.EN


@pytest.mark.parametrize(
    ("category", "opening", "answers", "confirm", "expected"),
    [
        (
            Category.REPAIR_COMPLAINT,
            "空调在店里修了两次了,还是不制冷",
            {**SKIP_ZH, Slot.VEHICLE_MODEL.value: "速腾", Slot.PHONE.value: "13812345678"},
            "对",
            {"vehicle_model": "Sagitar", "priority": Priority.HIGH},
        ),
        (
            Category.PRICING_DISPUTE,
            "The dealer charged me way more than they quoted for the brake pads",
            {
                **SKIP_EN,
                Slot.VEHICLE_MODEL.value: "Lavida",
                Slot.PHONE.value: "139 1234 5678",
                Slot.QUOTED_AMOUNT.value: "600",
                Slot.CHARGED_AMOUNT.value: "¥1,450",
            },
            "yes",
            {
                "vehicle_model": "Lavida",
                "quoted_amount": 600,
                "charged_amount": 1450,
                "phone": "+8613912345678",
            },
        ),
        (
            Category.PRODUCT_DEFECT,
            "新买的迈腾变速箱顿挫很严重,低速的时候特别明显",
            {
                **SKIP_ZH,
                Slot.PHONE.value: "13700001111",
                Slot.MILEAGE.value: "两千公里",
                Slot.VIN.value: "跳过",
            },
            "是的",
            {"vehicle_model": "Magotan", "part": "transmission", "mileage": 2000},
        ),
        (
            Category.STAFF_COMPLAINT,
            "The service advisor promised to call me back and nobody ever did, and he was rude on the phone",
            {**SKIP_EN, Slot.VEHICLE_MODEL.value: "Tiguan", Slot.PHONE.value: "13611112222"},
            "yes please",
            {"vehicle_model": "Tiguan", "phone": "+8613611112222"},
        ),
    ],
)
def test_each_category(
    assistant: Assistant, category: str, opening: str, answers: dict, confirm: str, expected: dict
) -> None:
    customer = assistant.customer()
    file_complaint(customer, opening, answers, confirm)
    (ticket,) = tickets_of(assistant, customer)
    assert ticket["category"] == category
    for key, value in expected.items():
        got = ticket[key]
        assert (float(got) if isinstance(value, int) and not isinstance(value, bool) else got) == value, key


def test_invalid_answers_are_explained_and_optional_slots_skipped_after_two_tries(
    assistant: Assistant,
) -> None:
    customer = assistant.customer()
    customer.say("my new Golf leaks water into the footwell whenever it rains")
    assert customer.requested_slot() == Slot.PHONE.value
    reply = customer.say("12345")
    assert "valid phone number" in reply
    assert customer.requested_slot() == Slot.PHONE.value
    customer.say("13812345678")
    vehicle_details = (Slot.MILEAGE.value, Slot.VIN.value)  # one question asks the mileage and the VIN
    for _ in range(3):
        if customer.requested_slot() in vehicle_details:
            break
        customer.say("skip")
    assert customer.requested_slot() in vehicle_details
    reply = customer.say("LFV2A21K7E3123456")  # one character off: check digit fails
    assert "check digit" in reply
    assert customer.requested_slot() == Slot.VIN.value  # the VIN is asked again, the mileage was left out
    reply = customer.say("LFV2A21K7E312345")  # too short: second failure skips the VIN
    assert "skip" in reply.lower()
    assert customer.requested_slot() != Slot.VIN.value


def test_single_field_correction(assistant: Assistant) -> None:
    customer = assistant.customer()
    customer.say(BLOWER_ZH)
    summary = customer.answer_form(SKIP_ZH)
    assert "请核对" in summary
    corrected = customer.say("电话错了,是13912345678")
    assert "13912345678" in corrected and "请核对" in corrected
    assert customer.slot(Slot.VEHICLE_MODEL.value) == "Passat"  # nothing else was lost
    customer.say("对")
    (ticket,) = tickets_of(assistant, customer)
    assert ticket["phone"] == "+8613912345678"
    assert ticket["vehicle_model"] == "Passat"


def test_confirming_twice_files_one_ticket(assistant: Assistant) -> None:
    customer = assistant.customer()
    customer.say(BLOWER_EN)
    customer.answer_form(SKIP_EN)
    first = REFERENCE.search(customer.say("yes")).group(0)
    second = customer.say("yes")
    assert len(tickets_of(assistant, customer)) == 1
    found = REFERENCE.search(second)
    assert found is None or found.group(0) == first


def test_a_delivery_repeated_with_the_same_message_id_is_processed_once(assistant: Assistant) -> None:
    customer = assistant.customer()
    first = customer.send("你好", message_id="m-1")
    again = customer.send("你好", message_id="m-1")
    assert first == again
    user_events = [e for e in customer.tracker()["events"] if e["event"] == "user"]
    assert len(user_events) == 1


def test_status_lookup_needs_the_phone_on_someone_elses_ticket(assistant: Assistant) -> None:
    owner = assistant.customer()
    reference = REFERENCE.search(file_complaint(owner, BLOWER_ZH, SKIP_ZH, "对")).group(0)
    own = owner.say("我的投诉进度怎么样了")
    assert reference in own and "已受理" in own

    stranger = assistant.customer()
    asked = stranger.say(f"{reference} 处理得怎么样了")
    assert "电话" in asked and "已受理" not in asked
    refused = stranger.say("13700000000")
    assert "不一致" in refused and "已受理" not in refused

    other = assistant.customer()
    other.say(f"what's the status of {reference}?")
    shown = other.say("13812345678")
    assert reference in shown and "open" in shown


def test_roadside_is_short_and_urgent(assistant: Assistant) -> None:
    customer = assistant.customer()
    first = customer.say("我的车在高速上爆胎了,没有备胎")
    assert "安全" in first
    final = customer.answer_form(
        {
            Slot.LOCATION.value: "G4京港澳高速长沙往北方向1200公里处",
            Slot.PHONE.value: "13812345678",
            Slot.LICENSE_PLATE.value: "湘A12345",
        }
    )
    assert customer.turns <= 4
    assert "400-817-8888" in final and REFERENCE.search(final)
    (ticket,) = tickets_of(assistant, customer)
    assert ticket["category"] == Category.ROADSIDE_ASSISTANCE
    assert ticket["priority"] == Priority.URGENT
    assert ticket["location"].startswith("G4京港澳")
    assert ticket["license_plate"] == "湘A12345"


def test_digression_is_answered_and_the_form_resumes(assistant: Assistant) -> None:
    customer = assistant.customer()
    customer.say("空调修过一次了还是不制冷")
    asked = customer.requested_slot()
    reply = customer.say("顺便问一下,小保养多久做一次?")
    assert "公里" in reply  # the answer
    assert customer.requested_slot() == asked  # and the same question again


def test_cancel_asks_first_and_files_nothing(assistant: Assistant) -> None:
    customer = assistant.customer()
    customer.say("the dealer charged me for parts they never replaced")
    confirm = customer.say("never mind, cancel")
    assert "stop" in confirm.lower()
    done = customer.say("yes")
    assert "Nothing was submitted" in done
    assert tickets_of(assistant, customer) == []


def test_compliment_is_recorded(assistant: Assistant) -> None:
    customer = assistant.customer()
    reply = customer.say("成都南4S店的王师傅服务特别好,修得又快又细致,必须表扬一下!")
    assert REFERENCE.search(reply)
    (ticket,) = tickets_of(assistant, customer)
    assert ticket["category"] == Category.COMPLIMENT
    assert ticket["priority"] == Priority.LOW


def test_a_detail_rich_opening_reaches_the_summary_in_few_turns(assistant: Assistant) -> None:
    """What the opening said is not asked again; name and phone are asked (and read) in one question."""
    customer = assistant.customer()
    first = customer.say("一汽马自达CX-5上个月在北京亚运村4S店修的变速箱,现在换挡还是顿挫")
    tracker = customer.tracker()
    assert tracker["slots"][Slot.VEHICLE_MODEL.value] == "一汽马自达CX-5"
    assert tracker["slots"][Slot.PART.value] == "transmission"
    assert tracker["slots"][Slot.DEALER.value] == "北京亚运村4S店"
    assert customer.requested_slot() == Slot.PHONE.value
    assert "称呼" in first and "电话" in first  # one question for both
    summary = customer.answer_form({Slot.PHONE.value: "王先生 13812345678", **SKIP_ZH})
    assert "请核对" in summary
    assert customer.turns <= 4
    reply = customer.say("对,提交")
    assert REFERENCE.search(reply)
    (ticket,) = tickets_of(assistant, customer)
    assert ticket["customer_name"] == "王先生" and ticket["phone"] == "+8613812345678"
    assert ticket["vehicle_model"] == "一汽马自达CX-5" and ticket["dealer"] == "北京亚运村4S店"
    asked = [line["text"] for line in ticket["transcript"] if line["role"] == "bot"]
    assert not any("请问您的车型" in text or "哪家4S店" in text for text in asked)


@pytest.mark.parametrize(
    ("opening", "answer", "confirm"),
    [
        ("新买的迈腾变速箱顿挫很严重,低速的时候特别明显", "没有", "对"),
        ("My new Tiguan's transmission jerks badly at low speed", "no", "yes"),
    ],
)
def test_a_bare_no_to_an_optional_question_skips_it(
    assistant: Assistant, opening: str, answer: str, confirm: str
) -> None:
    """ "没有" to "mileage and VIN?" means the customer has neither at hand, not "cancel my complaint"."""
    customer = assistant.customer()
    customer.say(opening)
    assert customer.requested_slot() == Slot.PHONE.value
    customer.say("13700001111")
    assert customer.requested_slot() == Slot.MILEAGE.value  # asked with the VIN
    reply = customer.say(answer)
    assert "要取消" not in reply and "stop this complaint" not in reply
    assert customer.requested_slot() is None  # the form went on to the summary
    assert REFERENCE.search(customer.say(confirm))
    (ticket,) = tickets_of(assistant, customer)
    assert ticket["category"] == Category.PRODUCT_DEFECT
    assert ticket["mileage"] is None and ticket["vin"] is None

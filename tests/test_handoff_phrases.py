"""Recognisers of the handoff: anger (zh/en, no false positives on ordinary complaints), leaving the queue,
a problem not solved, a satisfaction rating, and why a handoff happened."""

from __future__ import annotations

import pytest

from bot.handoff.anger import is_angry, score_anger
from bot.handoff.csat import clean_comment, parse_rating
from bot.handoff.phrases import says_not_solved, wants_to_leave_queue
from bot.handoff.triggers import HandoffReason, consecutive_fallbacks, handoff_reason

ANGRY = [
    "你们这是什么破服务!!!骗子!",
    "垃圾4S店,坑人的黑心商家,我要去曝光你们",
    "受够了!修了五次还坏,你们这帮混蛋",
    "气死我了!!再不解决我就去12315投诉",
    "垃圾服務,騙子!!",  # Traditional
    "This is fucking ridiculous",
    "You are scammers and crooks, I'm going to sue you",
    "I am FURIOUS!! WORST SERVICE EVER",
    "I'm fed up with you incompetent people",
]
ORDINARY = [
    "帕萨特上周五在4S店修空调,报价200收了1000,太离谱了",
    "服务顾问态度很差,我很失望",
    "发动机异响,修了三次都没修好,太让人失望了!",
    "刹车失灵了,很危险!",
    "鼓风机坏了,维修站说要换,报价不合理",
    "我要投诉,保养以后空调还是有异响",
    "The blower is broken again and I'm really disappointed with the repair",
    "I was quoted 200 yuan but charged 1000! This is not acceptable.",
    "Terrible service, very disappointed",
    "My VIN is LSVAG2180E2100001 and the ABS light is on",
    "The DSG gearbox jerks when cold, please check",
]


@pytest.mark.parametrize("text", ANGRY)
def test_clearly_angry_messages_are_recognised(text: str) -> None:
    assert is_angry(text), score_anger(text)


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_complaints_are_not_angry(text: str) -> None:
    assert not is_angry(text), score_anger(text)


def test_anger_names_its_cues() -> None:
    anger = score_anger("垃圾服务!!")
    assert anger.cues == ("垃圾", "!!")
    assert anger.score == 3


@pytest.mark.parametrize(
    "text",
    [
        "算了,不用人工了",
        "不用人工了",
        "算了",
        "取消转接",
        "不等了",
        "never mind",
        "Never mind, thanks",
        "nevermind",
        "forget it",
        "I don't need an agent anymore",
        "cancel",
    ],
)
def test_leaving_the_queue(text: str) -> None:
    assert wants_to_leave_queue(text)


@pytest.mark.parametrize(
    "text",
    [
        "转人工",
        "我还在等",
        "算了吧,你们就这样敷衍",
        "请快点",
        "I'll wait",
        "never mind the noise, the bill is wrong",
    ],
)
def test_other_messages_in_the_queue_stay_with_the_agent(text: str) -> None:
    assert not wants_to_leave_queue(text)


@pytest.mark.parametrize(
    "text",
    [
        "问题还没解决",
        "根本没解决!",
        "又坏了",
        "还没好",
        "空调还是有问题",
        "the problem is not solved",
        "It's not fixed",
        "It is still broken",
        "the noise came back again",
        "問題還沒解決",
    ],
)
def test_problem_not_solved(text: str) -> None:
    assert says_not_solved(text)


@pytest.mark.parametrize(
    "text", ["谢谢,已经好了", "5", "服务态度不好", "好的", "thanks, all good", "great service"]
)
def test_other_answers_are_not_a_reopening(text: str) -> None:
    assert not says_not_solved(text)


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("4", 4),
        ("4分", 4),
        ("四分", 4),
        ("五星", 5),
        ("4 stars", 4),
        ("★★★", 3),
        ("I give 4", 4),
        ("5/5", 5),
        ("45", None),
        ("0", None),
        ("10", None),
        ("好", None),
        ("转人工", None),
    ],
)
def test_ratings(text: str, rating: int | None) -> None:
    assert parse_rating(text) == rating


def test_comments_are_trimmed_and_bounded() -> None:
    assert clean_comment("  很满意  ") == "很满意"
    assert clean_comment("   ") is None
    assert len(clean_comment("好" * 5000) or "") == 1000


def _user(intent: str) -> dict[str, object]:
    return {"event": "user", "text": "x", "parse_data": {"intent": {"name": intent}}}


def _action(name: str) -> dict[str, object]:
    return {"event": "action", "name": name}


def test_two_fallbacks_in_a_row_are_counted() -> None:
    events = [
        _user("greet"),
        _action("utter_greet"),
        _action("action_listen"),
        _user("nlu_fallback"),
        _action("action_handle_fallback"),
        _action("action_listen"),
        _user("nlu_fallback"),
    ]
    assert consecutive_fallbacks(events) == 2
    assert consecutive_fallbacks(events[:5]) == 1
    assert consecutive_fallbacks([*events, _action("action_listen"), _user("greet")]) == 0


def test_the_reason_of_a_handoff() -> None:
    listen = _action("action_listen")
    assert handoff_reason([listen, _user("request_human")]) is HandoffReason.REQUEST_HUMAN
    assert (
        handoff_reason([_user("nlu_fallback"), _action("action_handle_fallback")]) is HandoffReason.FALLBACK
    )
    assert handoff_reason([_user("affirm"), _action("action_file_ticket")]) is HandoffReason.URGENT
    offer = [
        _user("maintenance_question"),
        _action("action_answer_question"),
        _action("utter_offer_human"),
        {"event": "bot", "text": "?", "metadata": {"utter_action": "utter_offer_human"}},
        listen,
        _user("affirm"),
    ]
    assert handoff_reason(offer) is HandoffReason.KB_UNANSWERED
    assert handoff_reason([_user("greet"), _action("utter_greet"), listen, _user("affirm")]) is (
        HandoffReason.REQUEST_HUMAN
    )
    assert handoff_reason([_user("repair_complaint")], preset="angry") is HandoffReason.ANGRY

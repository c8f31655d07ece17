"""Maintenance and warranty knowledge base: question matching, model overrides, languages, data integrity."""

from __future__ import annotations

import re

import pytest

from bot.constants import Language
from bot.knowledge import Answer, Topic, answer
from bot.knowledge.answer import load_knowledge_base
from bot.nlu.lexicon import load_lexicon

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def _is_chinese(text: str) -> bool:
    """Mostly Chinese characters (English answers may quote a term such as 首保 or 三包)."""
    return len(_CJK.findall(text)) > len(_LATIN.findall(text))


MAINTENANCE, WARRANTY = Topic.MAINTENANCE.value, Topic.WARRANTY.value


@pytest.mark.parametrize(
    ("question", "topic", "language", "entry_id"),
    [
        # English
        ("How often should I service my car?", MAINTENANCE, "en", "service_interval"),
        ("What does a minor service include?", MAINTENANCE, "en", "minor_service"),
        ("Is the first service free?", MAINTENANCE, "en", "first_service"),
        ("How do I book a service?", MAINTENANCE, "en", "booking_service"),
        ("How long is the warranty on a new car?", WARRANTY, "en", "new_car_warranty"),
        ("Should I buy an extended warranty?", WARRANTY, "en", "extended_warranty"),
        ("Does servicing at an independent garage void the warranty?", WARRANTY, "en", "warranty_void"),
        ("Are tyres covered by the warranty?", WARRANTY, "en", "wear_parts_coverage"),
        ("How do I make a warranty claim?", WARRANTY, "en", "warranty_claim"),
        # Simplified
        ("多久保养一次？", MAINTENANCE, "zh", "service_interval"),
        ("大保养要换哪些东西", MAINTENANCE, "zh", "major_service"),
        ("首保是多少公里", MAINTENANCE, "zh", "first_service"),
        ("我想预约保养", MAINTENANCE, "zh", "booking_service"),
        ("轮胎多久换", MAINTENANCE, "zh", "wear_parts_replacement"),
        ("保修期多久", WARRANTY, "zh", "new_car_warranty"),
        ("延保值得买吗", WARRANTY, "zh", "extended_warranty"),
        ("三包有效期是多久", WARRANTY, "zh", "three_guarantees"),
        ("修了5次还没修好，能换车吗", WARRANTY, "zh", "three_guarantees_return"),
        ("刹车片保修吗", WARRANTY, "zh", "wear_parts_coverage"),
        # Traditional (and full-width)
        ("小保養包括什麼", MAINTENANCE, "zh", "minor_service"),
        ("我的車可以三包退車嗎", WARRANTY, "zh", "three_guarantees_return"),
        ("車子改裝了還能保固嗎", WARRANTY, "zh", "warranty_void"),
        ("ＩＤ．４保養要換機油嗎", MAINTENANCE, "zh", "ev_service_schedule"),
        # Code-switched
        ("Sagitar的oil change多少钱", MAINTENANCE, "zh", "minor_service"),
        ("我的Tiguan要做大保養了, what's included?", MAINTENANCE, "en", "major_service"),
        ("Golf 的 warranty 幾年", WARRANTY, "zh", "new_car_warranty"),
        ("去外面的修理厂保养会影响warranty吗", WARRANTY, "zh", "warranty_void"),
    ],
)
def test_question_maps_to_entry_in_language(question: str, topic: str, language: str, entry_id: str) -> None:
    """Questions in every script and mix find the right entry and answer in the requested language."""
    result = answer(question, topic, language)
    assert result is not None
    assert result.entry_id == entry_id
    assert _is_chinese(result.text) == (language == Language.ZH)


def test_answer_language_is_the_requested_one_not_the_question_s() -> None:
    """An English reply to a Chinese question (the conversation language decides)."""
    result = answer("延保多少钱", WARRANTY, "en")
    assert result is not None
    assert result.entry_id == "extended_warranty"
    assert "Extended warranty" in result.text
    assert not _is_chinese(result.text)


def test_question_topic_wins_over_requested_topic() -> None:
    """A maintenance-intent question that is really about the warranty still gets the warranty entry."""
    result = answer("在外面修理厂保养会影响保修吗", MAINTENANCE, "zh")
    assert result is not None
    assert result.entry_id == "warranty_void"


def test_id4_maintenance_has_no_oil_change() -> None:
    """ID.4 (given or mentioned) gets the EV schedule, which says there is no oil change."""
    for result in (
        answer("How often do I need to service it?", MAINTENANCE, "en", vehicle_model="ID.4"),
        answer("ID.4 oil change?", MAINTENANCE, "en"),
        answer("我的ID.4要换机油吗", MAINTENANCE, "zh"),
    ):
        assert result is not None
        assert result.entry_id == "ev_service_schedule"
    en = answer("What does a minor service include?", MAINTENANCE, "en", vehicle_model="ID.4")
    zh = answer("小保养包括什么", MAINTENANCE, "zh", vehicle_model="ID.4")
    assert en is not None and "no oil change" in en.text
    assert zh is not None and "无需更换机油" in zh.text


def test_passat_maintenance_has_oil_change() -> None:
    """A petrol model keeps the generic schedule with its oil change."""
    en = answer("How often should I service my Passat?", MAINTENANCE, "en")
    zh = answer("多久保养一次", MAINTENANCE, "zh", vehicle_model="Passat")
    assert en is not None and en.entry_id == "service_interval" and "oil change" in en.text
    assert zh is not None and zh.entry_id == "service_interval" and "更换机油" in zh.text


def test_model_in_question_wins_over_slot() -> None:
    """The customer asking about another car than the one on file: the named one counts."""
    result = answer("ID.4 多久保养", MAINTENANCE, "zh", vehicle_model="Passat")
    assert result is not None
    assert result.entry_id == "ev_service_schedule"


def test_model_with_its_own_interval() -> None:
    """Teramont overrides the generic interval; its minor-service contents stay generic."""
    interval = answer("途昂多久保养一次", MAINTENANCE, "zh")
    assert interval is not None and interval.entry_id == "teramont_service_interval"
    assert "10,000" in interval.text
    contents = answer("小保养包括什么", MAINTENANCE, "zh", vehicle_model="Teramont")
    assert contents is not None and contents.entry_id == "minor_service"


def test_battery_warranty_depends_on_model() -> None:
    """Battery warranty: the traction battery for an EV, the 12 V battery (wear part) for a petrol car."""
    ev = answer("battery warranty?", WARRANTY, "en", vehicle_model="ID.6")
    petrol = answer("电池保修吗", WARRANTY, "zh", vehicle_model="Passat")
    assert ev is not None and ev.entry_id == "ev_battery_warranty"
    assert petrol is not None and petrol.entry_id == "wear_parts_coverage"


def test_ev_keywords_without_model() -> None:
    """'Electric car' in the question selects the EV entry even without a known model."""
    result = answer("电动车需要换机油吗", MAINTENANCE, "zh")
    assert result is not None and result.entry_id == "ev_service_schedule"


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("can I get a discount on a new Golf", MAINTENANCE),
        ("can I get a discount on a new Golf", WARRANTY),
        ("保养打折吗", MAINTENANCE),
        ("What's the weather tomorrow?", WARRANTY),
        ("", MAINTENANCE),
    ],
)
def test_unanswerable_returns_none(question: str, topic: str) -> None:
    """Nothing the knowledge base knows: None, so the bot can offer a human agent."""
    assert answer(question, topic, "en") is None


def test_bare_topic_gets_general_answer() -> None:
    """A question that is only the topic gets the topic's general entry (the EV one for an EV)."""
    general = answer("保养", MAINTENANCE, "zh")
    warranty = answer("tell me about the warranty", WARRANTY, "en")
    ev = answer("保养", MAINTENANCE, "zh", vehicle_model="ID.6")
    assert general is not None and general.entry_id == "maintenance_general"
    assert warranty is not None and warranty.entry_id == "warranty_general"
    assert ev is not None and ev.entry_id == "ev_service_schedule"


def test_sample_data_flag_and_notice() -> None:
    """Demo figures carry the flag and the notice; the three-guarantees summary of the law does not."""
    sample = answer("How often should I service my car?", MAINTENANCE, "en")
    law = answer("三包有效期是多久", WARRANTY, "zh")
    assert isinstance(sample, Answer) and sample.sample_data
    assert "Sample figures" in sample.text
    assert law is not None and not law.sample_data
    assert "示例数据" not in law.text


def test_invalid_topic_or_language_raises() -> None:
    """Only the two topics and the two languages exist."""
    with pytest.raises(ValueError):
        answer("保养", "pricing", "zh")
    with pytest.raises(ValueError):
        answer("保养", MAINTENANCE, "fr")


def test_every_entry_has_both_languages_and_valid_references() -> None:
    """Data integrity: both texts non-empty, models and overrides known, every entry reachable."""
    kb = load_knowledge_base()
    models = set(load_lexicon().vehicle_models)
    ids = {e.id for e in kb.entries}
    assert len(ids) == len(kb.entries)
    for entry in kb.entries:
        assert set(entry.text) == set(Language), entry.id
        assert all(text.strip() for text in entry.text.values()), entry.id
        assert _is_chinese(entry.text[Language.ZH]), entry.id
        assert not _is_chinese(entry.text[Language.EN]), entry.id
        assert entry.models <= models, entry.id
        assert set(entry.overrides) <= ids, entry.id
        assert entry.keywords or entry.overrides, entry.id
    for lang in Language:
        assert kb.sample_notice[lang].strip()
    assert {t for t in Topic} == set(kb.topics)

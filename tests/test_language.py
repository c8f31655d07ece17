"""Language detection and the LanguageDetector component that feeds the `language` slot."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.constants import Entity, Language
from bot.nlu.language import detect_language
from bot.nlu.language_detector import LanguageDetector


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的车空调坏了", Language.ZH),
        ("My car's air conditioning is broken", Language.EN),
        ("我的帕薩特空調又壞了", Language.ZH),  # Traditional counts as Chinese
        ("我的 Passat 的 AC 坏了", Language.ZH),  # Chinese carries the sentence
        ("The 4S店 charged me 1000 块 for the blower, that's way more than the quote", Language.EN),
        ("CMP-2026-000123 进度怎么样", Language.ZH),
        ("any update on CMP-2026-000123?", Language.EN),
        ("ＭＹ ＣＡＲ ＩＳ ＢＲＯＫＥＮ", Language.EN),
        ("好", Language.ZH),
        ("ok", Language.EN),
    ],
)
def test_detect_language(text: str, expected: Language) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "13812345678", "😡😡", "!!!", "1000"])
def test_no_language_without_letters(text: str) -> None:
    assert detect_language(text) is None


def _process(text: str) -> Message:
    message = Message({TEXT: text})
    LanguageDetector().process([message])
    return message


def test_component_adds_language_entity_and_output_property() -> None:
    message = _process("請問保養多久做一次")
    entities = [e for e in message.get(ENTITIES, []) if e["entity"] == Entity.LANGUAGE]
    assert [e["value"] for e in entities] == [Language.ZH]
    assert message.get("language") == Language.ZH
    assert message.as_dict(only_output_properties=True)["language"] == Language.ZH


def test_component_leaves_letterless_messages_alone() -> None:
    message = _process("13812345678")
    assert not [e for e in message.get(ENTITIES, []) if e["entity"] == Entity.LANGUAGE]


@pytest.mark.parametrize(
    "text", ["湘A12345", "粤BD12345", "LFV2A21K7E3123456", "CMP-2026-000123", "13812345678"]
)
def test_codes_do_not_switch_the_language(text: str) -> None:
    """A plate, VIN, reference or phone says nothing about English; a plate's province is Chinese."""
    assert detect_language(text) in (None, Language.ZH)

"""The bilingual tokenizer: normalisation, segmentation, no whitespace tokens, original offsets."""

from __future__ import annotations

import pytest
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.tokenizer import BilingualTokenizer


def tokenize(text: str) -> list:
    """Run the Rasa component on one message, as the pipeline does."""
    tokenizer = BilingualTokenizer(BilingualTokenizer.get_default_config())
    message = Message({TEXT: text})
    tokenizer.process([message])
    return message.get(TOKENS_NAMES[TEXT])


def texts(tokens: list) -> list[str]:
    """Token texts."""
    return [t.text for t in tokens]


def test_mixed_sentence_has_no_whitespace_tokens() -> None:
    # Rasa's stock JiebaTokenizer emits " " tokens here (rasa issue 7910).
    tokens = tokenize("I want to 投诉 the repair quote")
    assert texts(tokens) == ["i", "want", "to", "投诉", "the", "repair", "quote"]
    assert all(t.text.strip() for t in tokens)


def test_offsets_point_into_the_original_text() -> None:
    text = "My  Passat 的 AC 坏了,  4S店 charged ¥1,000!"
    for token in tokenize(text):
        assert text[token.start : token.end].lower() == token.text


def test_traditional_is_simplified_but_offsets_keep_the_customers_characters() -> None:
    text = "我的帕薩特空調又壞了"
    tokens = tokenize(text)
    assert "帕萨特" in texts(tokens)
    assert "空调" in texts(tokens)
    passat = next(t for t in tokens if t.text == "帕萨特")
    assert text[passat.start : passat.end] == "帕薩特"


def test_full_width_letters_and_digits_are_folded() -> None:
    text = "我的ＰＡＳＳＡＴ花了１０００元"
    tokens = tokenize(text)
    assert "passat" in texts(tokens)
    passat = next(t for t in tokens if t.text == "passat")
    assert text[passat.start : passat.end] == "ＰＡＳＳＡＴ"
    assert "1000" in texts(tokens)


@pytest.mark.parametrize("word", ["鼓风机", "帕萨特", "4s店", "工时费", "途观l"])
def test_domain_vocabulary_stays_whole(word: str) -> None:
    assert word in texts(tokenize(f"我的车在{word}那边有问题"))


def test_features_read_the_shape_of_numbers_not_their_value() -> None:
    pairs = [("200", "1000"), ("300", "5000")]
    quoted, charged = (tokenize(f"说好的{q}元,结果收了我{c}元") for q, c in pairs)
    assert [t.lemma for t in quoted] == [t.lemma for t in charged]
    assert "000" in [t.lemma for t in quoted] and "0000" in [t.lemma for t in quoted]
    assert "1000" in texts(quoted)  # the token text (and the entities read from it) keep the value
    plate = next(t for t in tokenize("车牌川A7K2M9") if t.text == "a7k2m9")
    assert plate.lemma == "a0k0m0"


def test_code_switched_message() -> None:
    tokens = tokenize("我的 Passat 的 AC 坏了")
    assert texts(tokens)[:5] == ["我", "的", "passat", "的", "ac"]


@pytest.mark.parametrize("text", ["", "   ", "😡😡😡", "\x00\x01", "<script>alert(1)</script>", "a" * 10_000])
def test_any_text_tokenizes_without_error(text: str) -> None:
    tokens = tokenize(text)
    assert all(t.text.strip() for t in tokens)
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)

"""Normalisation of customer text and the map from normalised offsets back to the original."""

from __future__ import annotations

import pytest

from bot.nlu.normalize import normalize


def test_full_width_traditional_and_case_are_folded() -> None:
    assert normalize("我的ＰＡＳＳＡＴ帕薩特鼓風機１３８").text == "我的passat帕萨特鼓风机138"


@pytest.mark.parametrize("text", ["", "abc", "ＣＭＰ－２０２６", "帕薩特 😀 ok", "㍻年", "café"])
def test_offsets_have_one_entry_per_character_plus_the_end(text: str) -> None:
    normalized = normalize(text)
    assert len(normalized.offsets) == len(normalized.text) + 1
    assert normalized.offsets[-1] == len(text)
    assert normalized.offsets == sorted(normalized.offsets)


def test_to_original_returns_the_customers_characters() -> None:
    text = "我的帕薩特和ＩＤ．４"
    normalized = normalize(text)
    start = normalized.text.index("帕萨特")
    assert text[slice(*normalized.to_original(start, start + 3))] == "帕薩特"
    start = normalized.text.index("id.4")
    assert text[slice(*normalized.to_original(start, start + 4))] == "ＩＤ．４"


def test_a_character_that_expands_maps_back_whole() -> None:
    text = "x㍻y"  # NFKC: one character becomes two
    normalized = normalize(text)
    assert normalized.text == "x平成y"
    assert normalized.to_original(1, 2) == (1, 2)
    assert normalized.to_original(2, 4) == (1, 3)


def test_combining_marks_compose_and_map_to_their_base() -> None:
    text = "cafe\u0301!"
    normalized = normalize(text)
    assert normalized.text == "café!"
    assert normalized.to_original(0, 4) == (0, 5)

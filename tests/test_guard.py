"""The input guard every channel applies before Rasa sees a message."""

from __future__ import annotations

import pytest

from bot.channels.guard import Verdict, guard
from bot.constants import MAX_MESSAGE_CHARS


@pytest.mark.parametrize("text", ["/restart", "  /restart", '/inform{"phone": "13800000000"}', "/greet"])
def test_commands_are_not_passed_as_commands(text: str) -> None:
    guarded = guard(text)
    assert guarded.verdict is Verdict.PASS
    assert not guarded.text.strip().startswith("/")
    # The customer's words are kept, only the slash is made harmless.
    assert guarded.text.strip()[1:] == text.strip()[1:]


def test_control_characters_are_removed_but_lines_kept() -> None:
    assert guard("空调\x00坏了\x07\n第二行\t!").text == "空调坏了\n第二行\t!"


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x01", None, 42])
def test_empty_or_non_text(text: object) -> None:
    expected = Verdict.EMPTY if not isinstance(text, int) else Verdict.PASS
    assert guard(text).verdict is expected


def test_length_limit() -> None:
    assert guard("好" * MAX_MESSAGE_CHARS).verdict is Verdict.PASS
    assert guard("好" * (MAX_MESSAGE_CHARS + 1)).verdict is Verdict.TOO_LONG


@pytest.mark.parametrize(
    "text", ["😡😡😡", "<script>alert('x')</script>", "'; DROP TABLE tickets; --", "👨‍👩‍👧 family car"]
)
def test_unusual_text_passes_unchanged(text: str) -> None:
    guarded = guard(text)
    assert guarded.verdict is Verdict.PASS
    assert guarded.text == text

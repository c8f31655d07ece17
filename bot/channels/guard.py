"""Checks and cleans a customer's message before it reaches Rasa (shared by all our input channels)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from bot.constants import MAX_MESSAGE_CHARS

# Rasa reads a message starting with "/" as an intent with entities ("/restart", "/inform{...}").
# A full-width solidus looks the same to a reader, and our tokenizer's NFKC step turns it back into "/"
# for understanding, but Rasa's regex intent handler no longer sees a command.
_COMMAND_PREFIX = "/"
_NEUTRAL_PREFIX = "\uff0f"
_KEEP_CONTROLS = {"\n", "\t"}


class Verdict(Enum):
    """What to do with a message."""

    PASS = "pass"
    EMPTY = "empty"
    TOO_LONG = "too_long"


@dataclass(frozen=True)
class GuardedMessage:
    """The cleaned text and the verdict on it."""

    text: str
    verdict: Verdict


def strip_controls(text: str) -> str:
    """Remove control and format characters (NUL breaks PostgreSQL text), keeping newlines and tabs."""
    return "".join(ch for ch in text if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in {"Cc", "Cs"})


def neutralise_command(text: str) -> str:
    """Make a leading "/" harmless so customer text is never read as an intent."""
    stripped = text.lstrip()
    if stripped.startswith(_COMMAND_PREFIX):
        return text[: len(text) - len(stripped)] + _NEUTRAL_PREFIX + stripped[1:]
    return text


_BLANK = re.compile(r"^\s*$")


def guard(text: object) -> GuardedMessage:
    """Clean a message and decide whether Rasa should see it."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    cleaned = neutralise_command(strip_controls(text))
    if _BLANK.match(cleaned):
        return GuardedMessage("", Verdict.EMPTY)
    if len(cleaned) > MAX_MESSAGE_CHARS:
        return GuardedMessage(cleaned, Verdict.TOO_LONG)
    return GuardedMessage(cleaned, Verdict.PASS)

"""When a message may open the urgent roadside path: only a clear, confident request for help now."""

from __future__ import annotations

import re
from enum import Enum

# Below this the model is unsure; an urgent ticket is not filed on a guess.
MIN_ROADSIDE_CONFIDENCE = 0.8
# Intent ranking: the runner-up must be this far behind.
MIN_ROADSIDE_MARGIN = 0.3
# A slash command ("/restart") arrives neutralised by the channel guard as a full-width solidus.
_COMMAND = re.compile(r"^\s*[/\uff0f]")
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff]|[a-zA-Z]{2,}")


class RoadsideVerdict(Enum):
    """What to do with a message classified as a roadside request."""

    OPEN = "open"  # a clear request: start the roadside form
    UNSURE = "unsure"  # maybe: say how to get help, open nothing
    NOT_A_REQUEST = "not_a_request"  # a command or junk: the usual "didn't get that"


def roadside_verdict(text: str, confidence: float, runner_up: float = 0.0) -> RoadsideVerdict:
    """Whether this message is a clear enough request for roadside help to open the urgent path."""
    if _COMMAND.match(text) or len(_MEANINGFUL.findall(text)) < 2:
        return RoadsideVerdict.NOT_A_REQUEST
    if confidence < MIN_ROADSIDE_CONFIDENCE or confidence - runner_up < MIN_ROADSIDE_MARGIN:
        return RoadsideVerdict.UNSURE
    return RoadsideVerdict.OPEN


def is_location(text: str) -> bool:
    """Whether an answer can be a location (words, not a stray symbol or a number alone)."""
    cleaned = text.strip()
    if _COMMAND.match(cleaned):
        return False
    chinese = len(re.findall(r"[\u4e00-\u9fff]", cleaned))
    words = re.findall(r"[a-zA-Z]{2,}", cleaned)
    return chinese >= 2 or len(words) >= 2

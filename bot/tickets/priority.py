"""Priority rules applied at intake: safety first, then repeat repairs; compliments wait."""

from __future__ import annotations

import re

from bot.constants import Category, Priority
from bot.nlu.normalize import normalize

# Matched on normalised text (NFKC, Simplified, lower case), so Traditional and full-width forms count too.
# English phrases are whole words with their inflections ("crashed", "smoking"; not "fireplace").
_SAFETY_ZH = (
    "刹车失灵",
    "制动失灵",
    "刹不住",
    "冒烟",
    "起火",
    "着火",
    "著火",
    "自燃",
    "车祸",
    "撞车",
    "被撞",
)
_SAFETY_EN = (
    r"brakes? (?:failed|failure|fail(?:s|ing)?|not working|don'?t work|gone)",
    r"no brakes",
    r"smok(?:e|es|ed|ing|y)",
    r"fires?",
    r"flames?",
    r"accidents?",
    r"crash(?:es|ed|ing)?",
    r"collisions?",
)
_REPEAT_ZH = (
    "返修",
    "又坏了",
    "又出现",
    "又响",
    "第二次",
    "第三次",
    "二次维修",
    "多次维修",
    "反复维修",
    "还是没修好",
    "还没修好",
    "没修好",
)
_REPEAT_ZH_PATTERNS = (
    r"修[了过]?(?:两|二|三|四|五|好几|几|多|[2-9])次",  # 修了两次, 修过三次, 修了好几次, 修了2次
    r"修[了过]?一次.{0,4}还",  # 修过一次了还是不制冷
    r"修好.{0,4}又",  # 修好没几天又响了
)
_REPEAT_EN = (
    r"again",
    r"(?:second|third|fourth) time",
    r"(?:twice|three times|several times|many times) (?:already|now|before)",
    r"still (?:not|isn'?t|hasn'?t been|wasn'?t) (?:fixed|repaired|resolved)",
    r"not fixed yet",
    r"c(?:a|o)mes? back",
    r"keeps (?:coming back|happening|breaking)",
    r"repeat(?:ed)? repairs?",
)


def _compile(chinese: tuple[str, ...], english: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern: Chinese phrases anywhere, English phrases as whole words.

    Not \\b: Chinese characters are word characters too, and code-switched text glues them to English
    ("刹车brake failure了").
    """
    parts = [re.escape(phrase) for phrase in chinese] + [
        rf"(?<![a-z])(?:{phrase})(?![a-z])" for phrase in english
    ]
    return re.compile("|".join(parts))


_SAFETY = _compile(_SAFETY_ZH, _SAFETY_EN)
_REPEAT = re.compile(f"{_compile(_REPEAT_ZH, _REPEAT_EN).pattern}|{'|'.join(_REPEAT_ZH_PATTERNS)}")


def mentions_safety_risk(text: str) -> bool:
    """Whether the text mentions brake failure, smoke, fire, an accident or a crash."""
    return bool(_SAFETY.search(normalize(text).text))


def mentions_repeat_repair(text: str) -> bool:
    """Whether the text says the fault came back after a repair (返修, again, second time ...)."""
    return bool(_REPEAT.search(normalize(text).text))


def priority_for(category: str, description: str | None, repeat_repair: bool = False) -> Priority:
    """Urgent for roadside calls and safety risks, high for repeat repairs, low for compliments, else normal.

    A compliment is low even when it mentions an accident: it tells of one that is over and was handled.
    """
    text = description or ""
    if category == Category.COMPLIMENT:
        return Priority.LOW
    if category == Category.ROADSIDE_ASSISTANCE or mentions_safety_risk(text):
        return Priority.URGENT
    if repeat_repair or mentions_repeat_repair(text):
        return Priority.HIGH
    return Priority.NORMAL

"""The console's texts and display names in the agent's language (Chinese by default, English on request)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.lexicon import load_lexicon

TEXTS_FILE = Path(__file__).with_name("texts.yml")
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
_CJK = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _texts() -> dict[str, Any]:
    """The texts file, parsed once."""
    return yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))


def text(key: str, language: str, **values: Any) -> str:
    """A UI text in `language` with `{name}` placeholders filled."""
    entry = _texts()["ui"][key]
    template = entry.get(language) or entry[DEFAULT_LANGUAGE]
    return template.format(**values) if values else template


@lru_cache(maxsize=1)
def _lexicon_labels() -> dict[str, dict[str, dict[str, str]]]:
    """Model and part names from the domain lexicon: the first Chinese alias, the English id in words."""
    lexicon = load_lexicon()

    def chinese(aliases: tuple[str, ...], fallback: str) -> str:
        found = next((alias for alias in aliases if _CJK.search(alias)), None)
        return re.sub(r"[a-z][a-z0-9.]*", lambda m: m.group().upper(), found) if found else fallback

    models = {m: {"zh": chinese(a, m), "en": m} for m, a in lexicon.vehicle_models.items()}
    parts = {
        p: {"zh": chinese(a, p.replace("_", " ")), "en": p.replace("_", " ")}
        for p, a in lexicon.parts.items()
    }
    return {"vehicle_model": models, "part": parts}


def label(dimension: str, value: Any, language: str) -> str:
    """What the agent reads for `value` of `dimension` (category, part, status...); ids never shown raw."""
    if value in (None, ""):
        return text("not_given", language)
    names = _texts()["labels"].get(dimension) or _lexicon_labels().get(dimension) or {}
    entry = names.get(str(value))
    if entry is None:
        return str(value)
    return entry.get(language) or entry[DEFAULT_LANGUAGE]


def language_of(value: str | None) -> str:
    """A supported console language (Chinese unless English is asked for)."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE

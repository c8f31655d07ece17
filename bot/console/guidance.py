"""Data files of the console: first-response targets, suggested handling steps, canned replies."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
SLA_FILE_ENV = "CONSOLE_SLA_FILE"
STEPS_FILE = HERE / "handling_steps.yml"
CANNED_FILE = HERE / "canned_replies.yml"


@dataclass(frozen=True)
class Step:
    """One suggested handling step."""

    id: str
    zh: str
    en: str

    def text(self, language: str) -> str:
        """The step in `language`."""
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class CannedReply:
    """A canned reply with its title and text in both languages."""

    id: str
    title: dict[str, str]
    zh: str
    en: str

    def text(self, language: str) -> str:
        """The reply in `language` (the customer's)."""
        return self.en if language == "en" else self.zh


def _load(path: Path) -> Any:
    """A YAML data file."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def sla_file() -> Path:
    """The first-response targets file (CONSOLE_SLA_FILE, else the one shipped with the console)."""
    return Path(os.environ.get(SLA_FILE_ENV) or HERE / "sla.yml")


@lru_cache(maxsize=4)
def _sla_minutes(path: Path) -> dict[str, float]:
    """Minutes to a first response per priority."""
    return {str(k): float(v) for k, v in _load(path)["first_response_minutes"].items()}


def first_response_due(priority: str, waiting_since: dt.datetime | None) -> dt.datetime | None:
    """When the first response is due for a ticket queued at `waiting_since`."""
    if waiting_since is None:
        return None
    minutes = _sla_minutes(sla_file())
    target = minutes.get(priority, minutes.get("normal", 30.0))
    return waiting_since + dt.timedelta(minutes=target)


@lru_cache(maxsize=1)
def _steps() -> dict[str, tuple[Step, ...]]:
    """Steps per category."""
    return {
        category: tuple(Step(str(s["id"]), str(s["zh"]), str(s["en"])) for s in steps)
        for category, steps in _load(STEPS_FILE).items()
    }


def handling_steps(category: str, secondary: str | None = None) -> list[tuple[str, Step]]:
    """(key, step) of the ticket's categories; keys are `category.step` so both categories can be ticked."""
    steps: list[tuple[str, Step]] = []
    for name in (category, secondary):
        if name:
            steps.extend((f"{name}.{step.id}", step) for step in _steps().get(name, ()))
    return steps


@lru_cache(maxsize=1)
def canned_replies() -> tuple[CannedReply, ...]:
    """The canned replies, in file order."""
    return tuple(
        CannedReply(str(r["id"]), dict(r["title"]), str(r["zh"]), str(r["en"])) for r in _load(CANNED_FILE)
    )

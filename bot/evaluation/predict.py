"""Runs a trained model in-process over messages and keeps what the evaluation scores."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.evaluation.holdout import IGNORED_ENTITIES, EntityValue, canonical


@dataclass(frozen=True)
class Prediction:
    """The model's intent (with confidence) and entities for one message."""

    intent: str
    confidence: float
    entities: tuple[EntityValue, ...]


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two entity spans share a character (entities without spans never overlap)."""
    if None in (a.get("start"), a.get("end"), b.get("start"), b.get("end")):
        return False
    return a["start"] < b["end"] and b["start"] < a["end"]


def predicted_entities(entities: Sequence[dict[str, Any]]) -> tuple[EntityValue, ...]:
    """(entity, canonical value) pairs of a parse result.

    The `language` entity is ignored, and one mention found by two extractors (the same entity and
    value over overlapping spans, e.g. DIET and the rule-based extractor) counts once.
    """
    kept: list[dict[str, Any]] = []
    for entity in entities:
        if entity.get("entity") in IGNORED_ENTITIES:
            continue
        key = (entity.get("entity"), canonical(entity.get("value", "")))
        duplicate = any(
            (k.get("entity"), canonical(k.get("value", ""))) == key and _overlap(k, entity) for k in kept
        )
        if not duplicate:
            kept.append(entity)
    return tuple((str(e["entity"]), canonical(e.get("value", ""))) for e in kept)


def to_prediction(parsed: dict[str, Any]) -> Prediction:
    """A Prediction from Rasa's parse result."""
    intent = parsed.get("intent") or {}
    return Prediction(
        intent=str(intent.get("name")),
        confidence=float(intent.get("confidence") or 0.0),
        entities=predicted_entities(parsed.get("entities") or []),
    )


async def _parse_all(model: Path, texts: Sequence[str]) -> list[dict[str, Any]]:
    """Load the model into an agent and parse every text."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # not one debug line per parsed message on the terminal
    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def predict(model: Path, texts: Sequence[str]) -> list[Prediction]:
    """Parse every text with the model (loaded in this process); one Prediction per text."""
    return [to_prediction(parsed) for parsed in asyncio.run(_parse_all(model, texts))]

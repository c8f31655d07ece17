"""Loads the domain vocabulary (bot/nlu/resources/lexicon.yml): model names, parts, service terms."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_PATH = Path(__file__).parent / "resources" / "lexicon.yml"


@dataclass(frozen=True)
class Lexicon:
    """Canonical names with their aliases, and extra service vocabulary."""

    vehicle_models: dict[str, tuple[str, ...]]
    parts: dict[str, tuple[str, ...]]
    service_terms: tuple[str, ...]

    def segmenter_words(self) -> list[str]:
        """Words the Chinese segmenter must keep whole (aliases without spaces, service terms)."""
        words = [a for aliases in self.vehicle_models.values() for a in aliases]
        words += [a for aliases in self.parts.values() for a in aliases]
        words += list(self.service_terms)
        return sorted({w for w in words if " " not in w})


@lru_cache(maxsize=1)
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """Read the lexicon file once per process."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Lexicon(
        vehicle_models={k: tuple(str(a) for a in v) for k, v in raw["vehicle_models"].items()},
        parts={k: tuple(str(a) for a in v) for k, v in raw["parts"].items()},
        service_terms=tuple(str(t) for t in raw.get("service_terms", [])),
    )

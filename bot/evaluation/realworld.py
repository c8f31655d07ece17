"""Loads the real complaint files (../shared/realworld/*.tsv, evaluation only) with acceptable categories."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.evaluation.categories import narrative_categories, nhtsa_categories, title_categories
from bot.runtime.settings import PROJECT_ROOT

REALWORLD_DIR = PROJECT_ROOT.parent / "shared" / "realworld"
Categorizer = Callable[[str, str], "frozenset[str] | None"]


@dataclass(frozen=True)
class RealFile:
    """How to read one known file: its language and how its labels map to our categories."""

    language: str
    categorize: Categorizer


KNOWN_FILES: dict[str, RealFile] = {
    "zh_titles": RealFile("zh", title_categories),
    "zh_narratives": RealFile("zh", narrative_categories),
    "en_nhtsa": RealFile("en", nhtsa_categories),
}


@dataclass(frozen=True)
class RealComplaint:
    """One real complaint: text, source label and the categories that fit it (None: none fits)."""

    source_file: str
    id: str
    text: str
    label: str
    acceptable: frozenset[str] | None


def _language_of(name: str) -> str:
    """zh or en from a file's name prefix (unknown files too)."""
    return "en" if name.startswith("en") else "zh"


def language_of_file(name: str) -> str:
    """The language a file's complaints are written in."""
    known = KNOWN_FILES.get(name)
    return known.language if known else _language_of(name)


def load_file(path: Path) -> list[RealComplaint]:
    """Every row of one TSV (columns id, date, source, text, label) with its acceptable categories."""
    name = path.stem
    known = KNOWN_FILES.get(name)
    rows: list[RealComplaint] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            text = (row.get("text") or "").strip()
            if not text:
                continue
            label = (row.get("label") or "").strip()
            acceptable = known.categorize(label, text) if known else None
            rows.append(RealComplaint(name, str(row.get("id")), text, label, acceptable))
    return rows


def real_files(directory: Path = REALWORLD_DIR) -> list[Path]:
    """The TSV files of the directory, sorted; empty when it does not exist."""
    return sorted(directory.glob("*.tsv")) if directory.is_dir() else []


def sample(rows: list[RealComplaint], size: int | None, seed: int = 7) -> list[RealComplaint]:
    """A reproducible random sample of `size` rows (all rows when size is None or larger)."""
    if size is None or size >= len(rows):
        return rows
    return random.Random(seed).sample(rows, size)

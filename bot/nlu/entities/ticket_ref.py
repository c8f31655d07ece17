"""Ticket references (CMP-2026-000123), upper case."""

from __future__ import annotations

import re

from bot.constants import TICKET_REF_PREFIX, Entity
from bot.nlu.entities.span import EntitySpan
from bot.nlu.normalize import normalize

# Customers copy references with other dashes or spaces, or none.
_DASH = r"[\-‐‑‒–—_\s]?"
_TICKET_REF = re.compile(
    rf"(?<![a-z0-9]){re.escape(TICKET_REF_PREFIX.lower())}{_DASH}(?P<year>\d{{4}}){_DASH}(?P<serial>\d{{6}})(?!\d)"
)


def find_ticket_refs(text: str) -> list[EntitySpan]:
    """Ticket references in normalised text (offsets into it), written CMP-YYYY-NNNNNN."""
    return [
        EntitySpan(
            Entity.TICKET_REF.value,
            m.start(),
            m.end(),
            f"{TICKET_REF_PREFIX}-{m.group('year')}-{m.group('serial')}",
        )
        for m in _TICKET_REF.finditer(text)
    ]


def normalise_ticket_ref(text: str) -> str | None:
    """The ticket reference in one answer, or None when there is none."""
    found = find_ticket_refs(normalize(text).text)
    return found[0].value if found else None

"""The privacy audit trail: every export, erasure and retention run, without the personal data itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Column, Integer, String

from bot.db.column_types import UtcDateTime, utc_now
from bot.tickets.models import Base, JsonDocument


class PrivacyAction(Base):
    """One privacy action; the subject is a hash of the phone (the audit must not keep what was erased)."""

    __tablename__ = "privacy_audit"

    id: int = Column(Integer, primary_key=True)
    action: str = Column(String(16), nullable=False)  # export | forget | retention
    subject_hash: str | None = Column(String(64), index=True)  # sha256 of the E.164 phone
    subject_masked: str | None = Column(String(32))  # +86138****5678
    actor: str = Column(String(100), nullable=False)
    detail: dict[str, Any] = Column(JsonDocument, nullable=False, default=dict)  # counts only
    at: dt.datetime = Column(UtcDateTime, nullable=False, default=utc_now, index=True)

"""Writing and reading the privacy audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.column_types import utc_now
from bot.db.engine import shared_engine
from bot.privacy.models import PrivacyAction
from bot.privacy.subject import subject_hash
from bot.tickets.masking import mask_phone


def record(session: Session, action: str, phone: str | None, actor: str, detail: dict[str, Any]) -> None:
    """Add an audit entry in the caller's transaction (the phone is kept hashed and masked only)."""
    session.add(
        PrivacyAction(
            action=action,
            subject_hash=subject_hash(phone) if phone else None,
            subject_masked=mask_phone(phone) if phone else None,
            actor=actor,
            detail=detail,
            at=utc_now(),
        )
    )


def entries(url: str, phone: str | None = None) -> list[PrivacyAction]:
    """Audit entries, oldest first (only those about `phone` when given, as E.164)."""
    query = select(PrivacyAction).order_by(PrivacyAction.id)
    if phone:
        query = query.where(PrivacyAction.subject_hash == subject_hash(phone))
    with Session(shared_engine(url), future=True) as session:
        return list(session.execute(query).scalars())

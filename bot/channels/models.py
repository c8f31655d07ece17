"""Tables of the customer channels: the Telegram update log, the website chat's inbox, issued Telegram
buttons, shared locations and messages that could not be delivered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped

from bot.db.column_types import UtcDateTime, utc_now
from bot.tickets.models import Base, JsonDocument


class UpdateState:
    """Where an update of the log stands."""

    RECEIVED = "received"  # recorded and acknowledged, not yet handled
    DONE = "done"  # handled (answered)
    FAILED = "failed"  # handling gave up after the customer got an apology


class TelegramUpdate(Base):
    """Every Telegram update the webhook accepted: recorded before it is acknowledged, handled once."""

    __tablename__ = "telegram_updates"
    __table_args__ = (Index("ix_telegram_updates_state_update_id", "state", "update_id"),)

    update_id: Mapped[int] = Column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = Column(BigInteger)
    payload: Mapped[dict[str, Any]] = Column(JsonDocument, nullable=False)
    state: Mapped[str] = Column(String(16), nullable=False, default=UpdateState.RECEIVED)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = Column(Text)
    received_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)
    handled_at: Mapped[dt.datetime | None] = Column(UtcDateTime)


class InboxState:
    """Where a website message of the inbox stands."""

    RECEIVED = "received"  # recorded and acknowledged to the widget, its turn not known to be saved
    DONE = "done"  # handled (the turn was saved, or the channel answered it itself)
    FAILED = "failed"  # handling gave up after the customer got an apology
    SUPERSEDED = "superseded"  # found at start-up already in the conversation, or overtaken by later turns


class WebchatInboxMessage(Base):
    """Every website message the socket took: recorded before it is handled, replayed at start if unhandled.

    `client_id` is the widget's id of the message (a resend after a reconnect carries the same one);
    `taken_by` names the server process that took it (a restarted process replays only its own).
    """

    __tablename__ = "webchat_inbox"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_id", name="uq_webchat_inbox_conversation_id_client_id"),
        Index("ix_webchat_inbox_taken_by_state_id", "taken_by", "state", "id"),
        Index("ix_webchat_inbox_conversation_id_state", "conversation_id", "state"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(255), nullable=False)
    client_id: Mapped[str] = Column(String(64), nullable=False)
    text: Mapped[str | None] = Column(Text)
    payload: Mapped[str | None] = Column(Text)
    details: Mapped[dict[str, Any]] = Column(JsonDocument, nullable=False, default=dict)
    taken_by: Mapped[str] = Column(String(255), nullable=False)
    state: Mapped[str] = Column(String(16), nullable=False, default=InboxState.RECEIVED)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    error: Mapped[str | None] = Column(Text)
    received_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)
    handled_at: Mapped[dt.datetime | None] = Column(UtcDateTime)


class TelegramButton(Base):
    """A button the bot sent to a chat: the short callback token stands for the Rasa payload."""

    __tablename__ = "telegram_buttons"
    __table_args__ = (UniqueConstraint("chat_id", "token", name="uq_telegram_buttons_chat_id_token"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    chat_id: Mapped[int] = Column(BigInteger, nullable=False)
    token: Mapped[str] = Column(String(64), nullable=False)
    payload: Mapped[str] = Column(Text, nullable=False)
    title: Mapped[str] = Column(Text, nullable=False)
    issued_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)


class SharedLocation(Base):
    """A location a customer shared; it goes onto the next ticket the conversation files."""

    __tablename__ = "shared_locations"

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(255), nullable=False, index=True)
    latitude: Mapped[float] = Column(Float, nullable=False)
    longitude: Mapped[float] = Column(Float, nullable=False)
    ticket_id: Mapped[int | None] = Column(Integer, ForeignKey("tickets.id", ondelete="SET NULL"))
    shared_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)


class DeliveryFailure(Base):
    """A message to a customer that could not be delivered after every retry (never dropped silently)."""

    __tablename__ = "delivery_failures"

    id: Mapped[int] = Column(Integer, primary_key=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    conversation_id: Mapped[str] = Column(String(255), nullable=False, index=True)
    text: Mapped[str] = Column(Text, nullable=False)
    error: Mapped[str] = Column(Text, nullable=False)
    attempts: Mapped[int] = Column(Integer, nullable=False)
    failed_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)

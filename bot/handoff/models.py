"""Tables of the handoff: agents, who owns each conversation (bot, queue or agent), login attempts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Column, Index, Integer, String, true
from sqlalchemy.orm import Mapped

from bot.constants import StrEnum
from bot.db.column_types import UtcDateTime, utc_now
from bot.tickets.models import Base


class AgentRole(StrEnum):
    """What a console account may do: supervisors also reassign and see every agent's load."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"


class Owner(StrEnum):
    """Who answers a conversation right now."""

    BOT = "bot"
    QUEUE = "queue"
    AGENT = "agent"


class Agent(Base):
    """A console account of the customer-relations department (password as an argon2 hash)."""

    __tablename__ = "agents"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = Column(String(100), nullable=False)
    role: Mapped[str] = Column(String(16), nullable=False)
    password_hash: Mapped[str] = Column(String(255), nullable=False)
    language: Mapped[str] = Column(String(8), nullable=False, default="zh", server_default="zh")
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True, server_default=true())
    created_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)


class ConversationOwner(Base):
    """One owner per conversation (sender id); no row means the bot."""

    __tablename__ = "conversation_owners"

    sender_id: Mapped[str] = Column(String(255), primary_key=True)
    channel: Mapped[str] = Column(String(32), nullable=False)
    owner: Mapped[str] = Column(String(16), nullable=False)
    agent_username: Mapped[str | None] = Column(String(64))
    ticket_reference: Mapped[str | None] = Column(String(20))
    language: Mapped[str] = Column(String(8), nullable=False)
    updated_at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)


class LoginAttempt(Base):
    """One console login attempt, for throttling guessing (per username and per address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(64), nullable=False)
    ip: Mapped[str] = Column(String(64), nullable=False)
    at: Mapped[dt.datetime] = Column(UtcDateTime, nullable=False, default=utc_now)
    success: Mapped[bool] = Column(Boolean, nullable=False)

"""Sending to Telegram chats: long texts split, inline buttons, flood control and network errors retried.

`send_text(chat_id, text, buttons)` is the API for anyone who writes to a Telegram customer (the channel's
replies, agent replies from the console). A message that still cannot be delivered after the retries is
logged and recorded in `delivery_failures` with the conversation, never dropped silently.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import importlib.util
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.channels.channel_store import ChannelStore

logger = logging.getLogger(__name__)

T = TypeVar("T")

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
API_URL_ENV = "TELEGRAM_API_URL"
FILE_URL_ENV = "TELEGRAM_FILE_URL"
DEFAULT_API_URL = "https://api.telegram.org/bot"
CHANNEL = "telegram"
CONVERSATION_PREFIX = "tg-"
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
BUTTON_TOKEN_PREFIX = "b:"
MAX_ATTEMPTS = 5
MAX_RETRY_AFTER_S = 60.0  # flood waits longer than this are not waited out inside a customer's turn
BACKOFF_S = 0.5


def conversation_id(chat_id: int | str) -> str:
    """The Rasa conversation (sender) id of a Telegram chat."""
    return f"{CONVERSATION_PREFIX}{chat_id}"


def chat_id_of(conversation: str) -> int | None:
    """The Telegram chat of a conversation id, or None for a conversation of another channel."""
    if not conversation.startswith(CONVERSATION_PREFIX):
        return None
    try:
        return int(conversation[len(CONVERSATION_PREFIX) :])
    except ValueError:
        return None


def button_token(payload: str) -> str:
    """Callback data standing for a button's payload (Telegram allows 64 bytes; payloads may be longer)."""
    return BUTTON_TOKEN_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:32]


def file_url_for(api_url: str) -> str:
    """The file download URL that goes with a Bot API URL (`.../bot` -> `.../file/bot`)."""
    explicit = os.environ.get(FILE_URL_ENV)
    if explicit:
        return explicit
    base = api_url.rstrip("/")
    return base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


def _note_missing_sniffio() -> None:
    """Make httpcore's per-request `import sniffio` fail at once when the package is not installed.

    httpcore imports sniffio on every request and connection-pool lock to tell asyncio from trio, and
    falls back to asyncio when it is missing; each failing import searched sys.path again (several per
    cent of the Rasa server's event loop under load). A None entry in sys.modules is Python's own way of
    saying "not importable": the import raises at once and httpcore goes on as before.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def make_bot(token: str, api_url: str | None = None) -> Bot:
    """A python-telegram-bot Bot for `token` on TELEGRAM_API_URL (Telegram's own by default)."""
    _note_missing_sniffio()
    url = api_url or os.environ.get(API_URL_ENV) or DEFAULT_API_URL
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot's token.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))
    request = HTTPXRequest(connection_pool_size=64, read_timeout=15.0, write_timeout=15.0, pool_timeout=5.0)
    return Bot(token, base_url=url, base_file_url=file_url_for(url), request=request)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a line break or space when there is one nearby."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n", limit // 2, limit), rest.rfind(" ", limit // 2, limit))
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n ") if cut < limit else rest[cut:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces


@dataclass(frozen=True)
class DeliveryResult:
    """What became of one outgoing message: delivered (with Telegram's message ids) or failed and recorded."""

    delivered: bool
    message_ids: tuple[int, ...] = ()
    attempts: int = 0
    error: str | None = None


class DeliveryFailed(Exception):
    """A Bot API call that failed for good (after the retries it deserved)."""

    def __init__(self, error: BaseException, attempts: int) -> None:
        """Wrap the last error."""
        super().__init__(f"{type(error).__name__}: {error}")
        self.error, self.attempts = error, attempts


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram asked to wait (read from the timedelta python-telegram-bot keeps: its public
    `retry_after` is an int or a timedelta depending on a deprecation setting)."""
    wait = error._retry_after
    return wait.total_seconds() if isinstance(wait, dt.timedelta) else float(wait)


class TelegramSender:
    """Sends through one Bot with bounded retries; records what finally fails."""

    def __init__(
        self,
        bot: Bot,
        store: ChannelStore | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        max_retry_after_s: float = MAX_RETRY_AFTER_S,
        backoff_s: float = BACKOFF_S,
    ) -> None:
        """Send with `bot`; failures and issued buttons go to `store` (the default database when None)."""
        self.bot = bot
        self.store = store or ChannelStore()
        self.max_attempts = max_attempts
        self.max_retry_after_s = max_retry_after_s
        self.backoff_s = backoff_s

    async def call(self, what: str, request: Callable[[], Awaitable[T]]) -> tuple[T, int]:
        """Run a Bot API call, waiting out flood control and retrying network errors; (result, attempts).

        Raises DeliveryFailed when the call failed for good: a refusal (bad request, blocked by the user)
        at once, flood control or network errors after `max_attempts`.
        """
        for attempt in range(1, self.max_attempts + 1):
            try:
                return await request(), attempt
            except RetryAfter as error:
                wait = retry_after_seconds(error)
                if attempt == self.max_attempts or wait > self.max_retry_after_s:
                    raise DeliveryFailed(error, attempt) from error
                logger.warning("%s: flood control, retrying in %.1f s (attempt %d)", what, wait, attempt)
                await asyncio.sleep(wait)
            except BadRequest as error:  # a NetworkError subclass, but retrying cannot fix it
                raise DeliveryFailed(error, attempt) from error
            except NetworkError as error:  # includes TimedOut
                if attempt == self.max_attempts:
                    raise DeliveryFailed(error, attempt) from error
                wait = self.backoff_s * 2 ** (attempt - 1)
                logger.warning("%s: %s, retrying in %.1f s (attempt %d)", what, error, wait, attempt)
                await asyncio.sleep(wait)
            except TelegramError as error:  # Forbidden (blocked by the user), chat migrated, ...
                raise DeliveryFailed(error, attempt) from error
        raise AssertionError("unreachable")

    async def send_text(
        self, chat_id: int, text: str, buttons: Sequence[dict[str, Any]] | None = None
    ) -> DeliveryResult:
        """Send a text (split when longer than Telegram allows), the buttons under its last piece.

        Never raises for a delivery problem: the result says whether it arrived, and what did not is
        logged and recorded on the conversation.
        """
        markup = await self._keyboard(chat_id, buttons)
        pieces = split_text(text)
        sent: list[int] = []
        attempts = 0
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            try:
                message, tries = await self.call(
                    f"sendMessage to {chat_id}",
                    lambda piece=piece, last=last: self.bot.send_message(
                        chat_id, piece, reply_markup=markup if last else None
                    ),
                )
            except DeliveryFailed as failure:
                undelivered = "\n".join(pieces[index:])
                await self.record_failure(chat_id, undelivered, str(failure), attempts + failure.attempts)
                return DeliveryResult(False, tuple(sent), attempts + failure.attempts, str(failure))
            attempts += tries
            sent.append(message.message_id)
        return DeliveryResult(True, tuple(sent), attempts)

    async def record_failure(self, chat_id: int, text: str, error: str, attempts: int) -> None:
        """Log an undeliverable message and record it on the conversation."""
        conversation = conversation_id(chat_id)
        logger.error(
            "could not deliver a message to %s after %d attempt(s): %s", conversation, attempts, error
        )
        try:
            await asyncio.to_thread(
                self.store.record_delivery_failure, CHANNEL, conversation, text, error, attempts
            )
        except Exception:  # the log line above is then the only record
            logger.exception("could not record the delivery failure of %s", conversation)

    async def _keyboard(
        self, chat_id: int, buttons: Sequence[dict[str, Any]] | None
    ) -> InlineKeyboardMarkup | None:
        """An inline keyboard (one button per row) whose callback tokens are recorded for this chat."""
        rows = [
            (str(b.get("title") or b["payload"]), str(b["payload"]))
            for b in buttons or []
            if isinstance(b, dict) and b.get("payload")
        ]
        if not rows:
            return None
        issued = [(button_token(payload), payload, title) for title, payload in rows]
        await asyncio.to_thread(self.store.remember_buttons, chat_id, issued)
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(title[:64], callback_data=token)] for token, _, title in issued]
        )


_senders: dict[int, TelegramSender] = {}


def default_sender() -> TelegramSender:
    """The sender for TELEGRAM_BOT_TOKEN in the running event loop (a Bot's connections belong to a loop)."""
    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise RuntimeError(f"{TOKEN_ENV} is not set")
    loop = id(asyncio.get_running_loop())
    sender = _senders.get(loop)
    if sender is None:
        sender = _senders[loop] = TelegramSender(make_bot(token))
    return sender


async def send_text(
    chat_id: int, text: str, buttons: Sequence[dict[str, Any]] | None = None
) -> DeliveryResult:
    """Send a text (and optional Rasa-style buttons {title, payload}) to a Telegram chat."""
    return await default_sender().send_text(chat_id, text, buttons)

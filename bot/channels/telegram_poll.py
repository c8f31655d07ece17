"""Long polling for a laptop without a public URL: getUpdates, each update handed to the local webhook.

The poller forwards every update to `/webhooks/telegram/webhook` with the webhook secret, so polled updates
take exactly the webhook's path (recorded, deduplicated, handled in order). The offset moves past an update
only once the webhook acknowledged it; until then Telegram keeps it and the next poll returns it again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from telegram import Bot, Update
from telegram.error import NetworkError, RetryAfter, TelegramError

from bot.channels.telegram import SECRET_HEADER, webhook_secret
from bot.channels.telegram_send import retry_after_seconds

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
POLL_TIMEOUT_S = 25
MAX_BACKOFF_S = 30.0


async def forward(http: aiohttp.ClientSession, webhook_url: str, secret: str, data: dict[str, Any]) -> bool:
    """POST one update to the webhook; True once it is acknowledged (or refused as malformed: never again)."""
    try:
        async with http.post(webhook_url, json=data, headers={SECRET_HEADER: secret}) as response:
            if response.status == 200:
                return True
            if response.status == 400:
                logger.error("the webhook refused update %s as malformed; skipped", data.get("update_id"))
                return True
            logger.warning("the webhook answered %s for update %s", response.status, data.get("update_id"))
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        logger.warning("the webhook at %s is not reachable: %s", webhook_url, error)
    return False


async def poll(
    bot: Bot,
    webhook_url: str,
    secret: str | None = None,
    stop: asyncio.Event | None = None,
    poll_timeout: int = POLL_TIMEOUT_S,
) -> None:
    """Poll until `stop` is set (or forever), forwarding updates in order; each getUpdates waits up to
    `poll_timeout` seconds for news."""
    secret = secret or webhook_secret()
    stop = stop or asyncio.Event()
    await bot.delete_webhook(drop_pending_updates=False)  # Telegram refuses getUpdates while a webhook is set
    offset: int | None = None
    backoff = 1.0
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        while not stop.is_set():
            try:
                updates: tuple[Update, ...] = await bot.get_updates(
                    offset=offset, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error))
                continue
            except (NetworkError, TelegramError) as error:
                logger.warning("getUpdates failed (%s); retrying in %.0f s", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            backoff = 1.0
            for update in updates:
                while not await forward(http, webhook_url, secret, update.to_dict()):
                    if stop.is_set():
                        return
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_S)
                backoff = 1.0
                offset = update.update_id + 1

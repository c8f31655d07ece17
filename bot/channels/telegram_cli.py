"""`bot telegram set-webhook URL | delete-webhook | poll`: the two ways Telegram reaches the assistant."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import subprocess
import sys
from typing import Any

from bot.channels.telegram_send import TOKEN_ENV, make_bot

WEBHOOK_URL_ENV = "TELEGRAM_WEBHOOK_URL"
WEBHOOK_PATH = "/webhooks/telegram/webhook"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def _token() -> str:
    """TELEGRAM_BOT_TOKEN, or exit with a clear message."""
    token = os.environ.get(TOKEN_ENV)
    if not token:
        raise SystemExit(f"{TOKEN_ENV} is not set (the token @BotFather gave you)")
    return token


async def set_webhook(url: str, drop_pending: bool = False) -> dict[str, Any]:
    """Register `url` with Telegram, with the webhook secret; Telegram's view of the webhook afterwards."""
    from bot.channels.telegram import webhook_secret

    async with make_bot(_token()) as bot:
        await bot.set_webhook(
            url,
            secret_token=webhook_secret(),
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending,
        )
        info = await bot.get_webhook_info()
    return {"url": info.url, "pending_update_count": info.pending_update_count}


def _set_webhook(args: argparse.Namespace) -> int:
    """bot telegram set-webhook URL."""
    url = args.url if args.url.endswith(WEBHOOK_PATH) else args.url.rstrip("/") + WEBHOOK_PATH
    info = asyncio.run(set_webhook(url, args.drop_pending))
    print(f"Telegram webhook: {info['url']} ({info['pending_update_count']} update(s) waiting)")
    return 0


def _delete_webhook(args: argparse.Namespace) -> int:
    """bot telegram delete-webhook."""

    async def delete() -> None:
        async with make_bot(_token()) as bot:
            await bot.delete_webhook(drop_pending_updates=False)

    asyncio.run(delete())
    print("Telegram webhook removed; use `bot telegram poll` or set a new one.")
    return 0


def local_webhook_url() -> str:
    """The webhook of the assistant on this machine (RASA_PORT)."""
    return f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}{WEBHOOK_PATH}"


def _poll(args: argparse.Namespace) -> int:
    """bot telegram poll: getUpdates, forwarded to the local webhook, until interrupted."""
    from bot.channels.telegram_poll import poll

    async def run() -> None:
        async with make_bot(_token()) as bot:
            print(f"Polling Telegram for @{bot.username}; updates go to {args.webhook_url}", flush=True)
            await poll(bot, args.webhook_url)

    asyncio.run(run())
    return 0


def start_poller(webhook_url: str) -> subprocess.Popen[bytes]:
    """`bot telegram poll` as a child process (for `bot run` without a public webhook URL)."""
    command = [sys.executable, "-m", "bot.cli", "telegram", "poll", "--webhook-url", webhook_url]
    return subprocess.Popen(command)


def telegram_mode() -> str | None:
    """How `bot run` connects Telegram: "webhook", "poll", or None when no bot token is set."""
    if not os.environ.get(TOKEN_ENV):
        return None
    return "webhook" if os.environ.get(WEBHOOK_URL_ENV) else "poll"


def register(sub: Any) -> None:
    """Add `bot telegram ...` to the `bot` command's subparsers."""
    telegram = sub.add_parser("telegram", help="connect the Telegram bot (webhook or long polling)")
    commands = telegram.add_subparsers(dest="telegram_command", required=True)
    hook = commands.add_parser(
        "set-webhook", help="register URL (+ /webhooks/telegram/webhook) with Telegram"
    )
    hook.add_argument("url", help="public HTTPS address of this assistant, e.g. https://bot.example.com")
    hook.add_argument("--drop-pending", action="store_true", help="discard updates Telegram still holds")
    hook.set_defaults(func=_set_webhook)
    commands.add_parser("delete-webhook", help="unregister the webhook").set_defaults(func=_delete_webhook)
    poll = commands.add_parser("poll", help="long polling, forwarded to the local webhook (no public URL)")
    poll.add_argument("--webhook-url", default=local_webhook_url(), help="the assistant's Telegram webhook")
    poll.set_defaults(func=_poll)


def connect_telegram(rasa_url: str) -> subprocess.Popen[bytes] | None:
    """For `bot run`: register TELEGRAM_WEBHOOK_URL, or start the poller; prints how Telegram is connected."""
    mode = telegram_mode()
    if mode is None:
        print(f"Telegram: off ({TOKEN_ENV} is not set)", flush=True)
        return None
    if mode == "webhook":
        url = os.environ[WEBHOOK_URL_ENV]
        url = url if url.endswith(WEBHOOK_PATH) else url.rstrip("/") + WEBHOOK_PATH
        try:
            asyncio.run(set_webhook(url))
            print(f"Telegram: webhook {url}", flush=True)
        except Exception as error:  # the assistant still serves every other channel
            print(f"Telegram: could not register the webhook {url}: {error}", flush=True)
        return None
    poller = start_poller(f"{rasa_url}{WEBHOOK_PATH}")
    atexit.register(poller.terminate)
    print(f"Telegram: long polling (pid {poller.pid}), no public URL needed", flush=True)
    return poller

"""HTTP calls the benchmark makes: /model/parse, a web-channel turn, a tracker lookup."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

# (session, conversation id, message) -> True when the server answered as expected.
Send = Callable[[aiohttp.ClientSession, str, str], Awaitable[bool]]
FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, ValueError)


def parse_sender(rasa_url: str, token: str) -> Send:
    """POST {rasa_url}/model/parse with the message (the conversation id is not used)."""
    url = f"{rasa_url}/model/parse?token={token}"

    async def send(session: aiohttp.ClientSession, sender: str, text: str) -> bool:
        try:
            async with session.post(url, json={"text": text}) as response:
                body = await response.json(content_type=None)
                return response.status == 200 and isinstance(body, dict) and "intent" in body
        except FAILURES:
            return False

    return send


def api_headers(api_token: str | None) -> dict[str, str]:
    """The Authorization header of the server-to-server web API."""
    return {"Authorization": f"Bearer {api_token}"} if api_token else {}


async def web_turn(
    session: aiohttp.ClientSession, webhook_url: str, sender: str, text: str, api_token: str | None = None
) -> list[dict[str, Any]] | None:
    """One customer message over the web channel; the bot's replies, or None on failure."""
    body = {"sender": sender, "message": text}
    try:
        async with session.post(webhook_url, json=body, headers=api_headers(api_token)) as response:
            body = await response.json(content_type=None)
            return body if response.status == 200 and isinstance(body, list) else None
    except FAILURES:
        return None


def webhook_sender(webhook_url: str, api_token: str | None = None) -> Send:
    """A full REST turn: POST the customer's message to the web channel and wait for the replies."""

    async def send(session: aiohttp.ClientSession, sender: str, text: str) -> bool:
        return await web_turn(session, webhook_url, sender, text, api_token) is not None

    return send


async def tracker_state(
    session: aiohttp.ClientSession, rasa_url: str, token: str, sender: str
) -> dict[str, Any]:
    """The conversation's tracker without events (slots, active loop); empty on failure."""
    url = f"{rasa_url}/conversations/{sender}/tracker?token={token}&include_events=NONE"
    try:
        async with session.get(url) as response:
            body = await response.json(content_type=None)
            return body if response.status == 200 and isinstance(body, dict) else {}
    except FAILURES:
        return {}

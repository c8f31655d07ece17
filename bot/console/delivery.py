"""Reaching the customer from the console: the Rasa server's internal handoff routes (Bearer token)."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from bot.runtime.secrets import secret

logger = logging.getLogger(__name__)

TOKEN_ENV = "INTERNAL_API_TOKEN"
TIMEOUT_S = 15.0


class RasaLink:
    """POSTs to {rasa_url}/webhooks/handoff/... and reports {delivered, error?}."""

    def __init__(self, rasa_url: str) -> None:
        """Talk to the Rasa server at `rasa_url`."""
        self.rasa_url = rasa_url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=TIMEOUT_S)

    async def _post(self, route: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST `body`; any failure becomes {delivered: False, error}."""
        url = f"{self.rasa_url}/webhooks/handoff/{route}"
        try:
            response = await self._client.post(
                url, json=body, headers={"Authorization": f"Bearer {secret(TOKEN_ENV)}"}
            )
        except httpx.HTTPError as error:
            logger.warning("handoff %s for %s failed: %s", route, body.get("sender_id"), error)
            return {"delivered": False, "error": f"{type(error).__name__}: {error}"[:300] or "unreachable"}
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or not isinstance(answer, dict):
            error = (answer or {}).get("error") if isinstance(answer, dict) else None
            return {"delivered": False, "error": error or f"HTTP {response.status_code}"}
        return {"delivered": bool(answer.get("delivered")), "error": answer.get("error")}

    async def agent_message(self, sender_id: str, text: str, agent_name: str) -> dict[str, Any]:
        """Send the agent's line to the customer's channel."""
        body = {"sender_id": sender_id, "kind": "agent_message", "text": text, "agent_name": agent_name}
        return await self._post("push", body)

    async def marker(self, sender_id: str, kind: str, agent_name: str) -> dict[str, Any]:
        """Tell the customer an agent joined (agent_joined) or left (agent_left)."""
        return await self._post("push", {"sender_id": sender_id, "kind": kind, "agent_name": agent_name})

    async def resolved(self, sender_id: str, reference: str, resolution: str) -> dict[str, Any]:
        """Hand the conversation back to the bot, which tells the outcome and asks for a rating."""
        body = {"sender_id": sender_id, "reference": reference, "resolution": resolution}
        return await self._post("resolved", body)

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

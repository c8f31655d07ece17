"""Test support: run the real assistant (Rasa + action server) and talk to it like a customer."""

from __future__ import annotations

import json
import re
import shutil
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.benchmark.intake import answer_to
from bot.runtime.servers import RunningServers, running_servers
from bot.runtime.settings import local_settings

LOG_DIR = Path(__file__).resolve().parents[1] / "var" / "test-logs"
REFERENCE = re.compile(r"CMP-\d{4}-\d{6}")


def post(url: str, body: bytes, timeout: float = 60, token: str | None = None) -> tuple[int, Any]:
    """POST a raw body as JSON content (with a Bearer token if given); return (status, decoded JSON body)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, body, headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def get_json(url: str, timeout: float = 30) -> Any:
    """GET and decode JSON."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


@dataclass
class Customer:
    """One customer's conversation over the web channel."""

    servers: RunningServers
    sender: str = field(default_factory=lambda: f"test-{uuid.uuid4().hex[:10]}")
    turns: int = 0

    def send(self, text: str, message_id: str | None = None) -> list[dict[str, Any]]:
        """Send a message; return the raw replies."""
        payload: dict[str, Any] = {"sender": self.sender, "message": text}
        if message_id is not None:
            payload["message_id"] = message_id
        status, body = post(
            self.servers.webhook_url, json.dumps(payload).encode(), token=self.servers.web_api_token
        )
        assert status == 200, (status, body)
        assert isinstance(body, list)
        self.turns += 1
        return body

    def say(self, text: str, message_id: str | None = None) -> str:
        """Send a message; return the bot's reply texts joined by newlines."""
        return "\n".join(str(r.get("text", "")) for r in self.send(text, message_id))

    def tracker(self) -> dict[str, Any]:
        """The conversation's tracker, from Rasa's HTTP API."""
        url = (
            f"{self.servers.settings.rasa_url}/conversations/{self.sender}/tracker"
            f"?token={self.servers.auth_token}"
        )
        return get_json(url)

    def slot(self, name: str) -> Any:
        """A slot's current value."""
        return self.tracker()["slots"].get(name)

    def requested_slot(self) -> str | None:
        """The slot the active form is asking for, if any."""
        tracker = self.tracker()
        if not (tracker.get("active_loop") or {}).get("name"):
            return None
        return tracker["slots"].get("requested_slot")

    def answer_form(self, answers: Mapping[str, str], max_turns: int = 12) -> str:
        """Answer whatever the form asks from `answers` until it stops asking; return the last reply.

        A question that asks several details (name and phone, dealer and date) gets all of them in one answer.
        """
        reply = ""
        for _ in range(max_turns):
            tracker = self.tracker()
            in_form = bool((tracker.get("active_loop") or {}).get("name"))
            slot = tracker["slots"].get("requested_slot") if in_form else None
            if slot is None:
                return reply
            assert slot in answers, f"the bot asked for {slot!r}, which the script does not answer"
            reply = self.say(answer_to(tracker, answers, answers[slot]))
        raise AssertionError("the form never finished")


@dataclass
class Assistant:
    """A running assistant and the database it writes to."""

    servers: RunningServers
    database_url: str
    log_dir: Path

    def customer(self, sender: str | None = None) -> Customer:
        """A new (or a named) customer conversation."""
        return Customer(self.servers, sender) if sender else Customer(self.servers)


def _server_env(database_url: str, redis_url: str | None, name: str) -> dict[str, str]:
    """Environment of the servers: the database, and the Redis lock store when given."""
    env = {"DATABASE_URL": database_url, "WEB_API_TOKEN": f"test-api-{uuid.uuid4().hex}"}
    if redis_url:
        env.update(REDIS_URL=redis_url, REDIS_KEY_PREFIX=f"test-{name}-{uuid.uuid4().hex[:6]}")
    return env


@contextmanager
def run_assistant(
    model: Path,
    database_url: str,
    name: str,
    redis_url: str | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[Assistant]:
    """Start the real servers on free ports against `database_url` (and Redis locks if `redis_url`)."""
    settings = local_settings(model.parent)
    log_dir = LOG_DIR / name
    shutil.rmtree(log_dir, ignore_errors=True)  # logs of this run only
    env = {**_server_env(database_url, redis_url, name), **(extra_env or {})}
    with running_servers(settings, model, extra_env=env, log_dir=log_dir) as servers:
        yield Assistant(servers, database_url, log_dir)


def backend(request: Any, database: str) -> tuple[str, str | None]:
    """(database URL, Redis URL) of a deployment: SQLite with in-memory locks, or PostgreSQL with Redis."""
    if database == "sqlite":
        return request.getfixturevalue("sqlite_url"), None
    return request.getfixturevalue("postgres_url"), request.getfixturevalue("redis_url")

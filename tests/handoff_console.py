"""Test support for the handoff through the agent console: the real console process talking to the real Rasa
server of a running assistant (same database, same internal token), and an agent logged in."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from playwright.sync_api import BrowserContext, Page

from bot.console.passwords import hash_password
from bot.handoff.models import AgentRole
from bot.handoff.store import AgentExists, HandoffStore
from bot.runtime.ports import free_port
from bot.runtime.settings import PROJECT_ROOT
from tests.assistant import Assistant

PASSWORD = "correct horse battery"
AGENT, AGENT_NAME = "wang", "小王"


@contextmanager
def console_for(assistant: Assistant, internal_token: str, workdir: Path) -> Iterator[str]:
    """The console on the assistant's database, reaching its Rasa server; agent 小王 exists. Yields its URL"""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": assistant.database_url,
        "CONSOLE_PORT": str(port),
        "CONSOLE_RASA_URL": assistant.servers.settings.rasa_url,
        "INTERNAL_API_TOKEN": internal_token,
        "BOT_SECRETS_DIR": str(workdir / "secrets"),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }
    with suppress(AgentExists):
        HandoffStore(assistant.database_url).add_agent(
            AGENT, AGENT_NAME, AgentRole.AGENT, hash_password(PASSWORD)
        )
    with (workdir / "console.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.console.server"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                assert process.poll() is None, f"the console exited; see {workdir / 'console.log'}"
                try:
                    with urllib.request.urlopen(f"{url}/login", timeout=2):
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    assert time.monotonic() < deadline, "the console did not come up"
                    time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


def login(context: BrowserContext, console: str) -> Page:
    """小王 logged in, on the queue."""
    page = context.new_page()
    page.goto(f"{console}/login")
    page.fill("input[name=username]", AGENT)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{console}/")
    return page

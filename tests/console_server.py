"""The agent console as a real uvicorn process for tests and the benchmark, plus a stand-in for the Rasa
server's internal handoff routes (records what the console sent, can be told to fail)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bot.console.passwords import hash_password
from bot.handoff.models import AgentRole
from bot.handoff.store import AgentExists, HandoffStore
from bot.runtime.ports import free_port
from bot.runtime.settings import PROJECT_ROOT


@dataclass
class HandoffRoutes:
    """What the console pushed to the Rasa server's /webhooks/handoff/* routes; `fail` makes pushes fail."""

    token: str
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail: bool = False
    url: str = ""

    def pushed(self, kind: str = "agent_message") -> list[dict[str, Any]]:
        """Bodies of push calls of this kind."""
        return [body for route, body in self.calls if route == "push" and body.get("kind") == kind]

    def resolved(self) -> list[dict[str, Any]]:
        """Bodies of resolved calls."""
        return [body for route, body in self.calls if route == "resolved"]


@contextmanager
def handoff_routes(token: str) -> Iterator[HandoffRoutes]:
    """Serve the stand-in routes on a free port in a thread."""
    routes = HandoffRoutes(token)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            route = self.path.rsplit("/", 1)[-1]
            if self.headers.get("Authorization") != f"Bearer {routes.token}":
                self._answer(401, {"delivered": False, "error": "unauthorised"})
                return
            routes.calls.append((route, body))
            if routes.fail:
                self._answer(200, {"delivered": False, "error": "customer channel unreachable"})
            else:
                self._answer(200, {"delivered": True})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    routes.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield routes
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Console:
    """A running console: its address, database and the stand-in Rasa routes."""

    url: str
    database_url: str
    routes: HandoffRoutes
    store: HandoffStore

    def add_agent(
        self, username: str, password: str, role: AgentRole, display_name: str, language: str = "zh"
    ) -> None:
        """An account (created once per database)."""
        with suppress(AgentExists):
            self.store.add_agent(username, display_name, role, hash_password(password), language=language)


def _wait_up(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    """Until the login page answers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"console exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise TimeoutError("console did not come up")


@contextmanager
def running_console(database_url: str, workdir: Path) -> Iterator[Console]:
    """The console (python -m bot.console.server) on a free port against `database_url`."""
    token = f"console-test-{os.getpid()}-{time.monotonic_ns()}"
    with handoff_routes(token) as routes:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CONSOLE_PORT": str(port),
            "CONSOLE_RASA_URL": routes.url,
            "INTERNAL_API_TOKEN": token,
            "BOT_SECRETS_DIR": str(workdir / "secrets"),
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        }
        log = (workdir / "console.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.console.server"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_up(url, process)
            yield Console(url, database_url, routes, HandoffStore(database_url, workdir / "attachments"))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()

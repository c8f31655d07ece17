"""Starts and stops the Rasa server and the action server as child processes."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.db.engine import DATABASE_URL_ENV
from bot.runtime.settings import PROJECT_ROOT, Settings

START_TIMEOUT_S = 240.0
# Seconds to wait for the servers (default START_TIMEOUT_S); a machine shared by many test runs needs longer.
START_TIMEOUT_ENV = "SERVER_START_TIMEOUT_S"
WEB_API_TOKEN_ENV = "WEB_API_TOKEN"


@dataclass
class RunningServers:
    """Handles of the running servers."""

    rasa: subprocess.Popen[bytes]
    actions: subprocess.Popen[bytes]
    settings: Settings
    auth_token: str
    started_in_s: float
    web_api_token: str | None = None  # Bearer token of the server-to-server web API, None when it is off
    console: subprocess.Popen[bytes] | None = None  # the agent console, when started (bot run)
    console_url: str | None = None

    @property
    def webhook_url(self) -> str:
        """Where the web channel takes customer messages."""
        return f"{self.settings.rasa_url}/webhooks/web/webhook"


def wait_for(url: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    """Poll `url` until it answers 200 or the process dies or the deadline passes."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server process exited with code {process.returncode} before {url} was up")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up in time")


def child_environment(settings: Settings, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the servers: ours plus the defaults endpoints.yml refers to."""
    env = dict(os.environ)
    env["ACTION_ENDPOINT_URL"] = settings.action_endpoint_url
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # One message's tensors are tiny: TensorFlow's thread pools cost more than they save and make
    # concurrent conversations fight for the cores. Concurrency comes from handling many conversations.
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    if extra:
        env.update(extra)
    return env


def actions_command(settings: Settings) -> list[str]:
    """Command line of the action server."""
    return [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.actions_port)]


def rasa_command(settings: Settings, model: Path, token: str) -> list[str]:
    """Command line of the Rasa server (HTTP API on, with `token`)."""
    return [
        sys.executable,
        "-m",
        "bot.runtime.rasa_main",  # Rasa's CLI with our runtime fixes installed (see that module)
        "run",
        "--model",
        str(model),
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
        "--interface",
        settings.rasa_host,
        "--port",
        str(settings.rasa_port),
        "--enable-api",
        f"--auth-token={token}",  # joined: a random token may start with "-"
    ]


@contextmanager
def running_servers(
    settings: Settings,
    model: Path,
    *,
    extra_env: dict[str, str] | None = None,
    log_dir: Path | None = None,
    quiet: bool = False,
    web_api: bool = False,
    console_port: int | None = None,
) -> Iterator[RunningServers]:
    """Start the action server and the Rasa server, yield when both answer, stop them afterwards.

    `web_api`: the caller talks over the server-to-server web API itself (shell, benchmark), so turn it on
    with a random token for this run when WEB_API_TOKEN is not set.
    `console_port`: also start the agent console (bot.console.server) there.
    """
    from bot.db.migrate import upgrade

    token = settings.auth_token or secrets.token_urlsafe(24)
    env = child_environment(settings, extra_env)
    if web_api and not env.get(WEB_API_TOKEN_ENV):
        env[WEB_API_TOKEN_ENV] = secrets.token_urlsafe(24)
    # Tickets and trackers share the database; its schema must be current before either server writes.
    upgrade(env.get(DATABASE_URL_ENV) or None)

    def output(name: str):  # type: ignore[no-untyped-def]
        if log_dir is not None:
            log_dir.mkdir(parents=True, exist_ok=True)
            return (log_dir / f"{name}.log").open("ab")
        return subprocess.DEVNULL if quiet else None

    started = time.monotonic()
    actions = subprocess.Popen(
        actions_command(settings),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=output("actions"),
        stderr=subprocess.STDOUT,
    )
    rasa_cmd = rasa_command(settings, model, token)
    rasa = subprocess.Popen(
        rasa_cmd, cwd=PROJECT_ROOT, env=env, stdout=output("rasa"), stderr=subprocess.STDOUT
    )
    servers = RunningServers(rasa, actions, settings, token, 0.0, env.get(WEB_API_TOKEN_ENV) or None)
    children = [rasa, actions]
    if console_port is not None:
        console_env = {**env, "CONSOLE_PORT": str(console_port), "CONSOLE_RASA_URL": settings.rasa_url}
        servers.console = subprocess.Popen(
            [sys.executable, "-m", "bot.console.server"],
            cwd=PROJECT_ROOT,
            env=console_env,
            stdout=output("console"),
            stderr=subprocess.STDOUT,
        )
        servers.console_url = f"http://{console_env.get('CONSOLE_HOST') or '127.0.0.1'}:{console_port}"
        children.append(servers.console)
    try:
        deadline = time.monotonic() + float(env.get(START_TIMEOUT_ENV) or START_TIMEOUT_S)
        wait_for(f"http://127.0.0.1:{settings.actions_port}/health", actions, deadline)
        wait_for(f"{settings.rasa_url}/status?token={token}", rasa, deadline)
        if servers.console is not None:
            wait_for(f"{servers.console_url}/login", servers.console, deadline)
        servers.started_in_s = time.monotonic() - started
        yield servers
    finally:
        for process in children:
            if process.poll() is None:
                process.terminate()
        for process in children:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


_wait_for = wait_for  # the earlier private name, still imported by tests/test_faults_e2e.py

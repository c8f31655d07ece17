"""The soak run's servers as separate processes it can `kill -9` and start again, and the fault windows."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.runtime.settings import PROJECT_ROOT

RECOVERY_GRACE_S = 10.0  # turns this long after a recovery still count as inside the fault window


@dataclass
class ServerProcess:
    """One server (Rasa or the action server): its command, environment, health URL and log file."""

    name: str
    command: list[str]
    env: dict[str, str]
    health_url: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> None:
        """Start the process (output appended to its log file)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=PROJECT_ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def kill9(self) -> None:
        """`kill -9` the process, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """Terminate the process (kill it if it does not stop in 20 s)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self._log is not None:
            self._log.close()

    def answers(self) -> bool:
        """Whether the health URL answers 200 now."""
        try:
            with urllib.request.urlopen(self.health_url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    async def wait_up(self, timeout_s: float) -> None:
        """Wait until the server answers; raise if it exits or does not come up in time."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode}; see {self.log_path}"
                )
            if await asyncio.to_thread(self.answers):
                return
            await asyncio.sleep(0.5)
        raise TimeoutError(f"{self.name} did not come up in {timeout_s:.0f} s; see {self.log_path}")


@dataclass
class FaultWindow:
    """One fault: what was done, when (monotonic seconds), and when service was back."""

    name: str
    started: float
    recovered: float | None = None

    def covers(self, start: float, end: float) -> bool:
        """Whether a turn from `start` to `end` overlaps the fault or its recovery grace."""
        until = (self.recovered if self.recovered is not None else float("inf")) + RECOVERY_GRACE_S
        return start <= until and end >= self.started

    @property
    def outage_s(self) -> float:
        """Seconds from the fault until service was back."""
        return (self.recovered - self.started) if self.recovered is not None else float("nan")


@dataclass
class FaultLog:
    """The faults done during the run."""

    windows: list[FaultWindow] = field(default_factory=list)

    def inside(self, start: float, end: float) -> bool:
        """Whether a turn overlaps any fault window."""
        return any(window.covers(start, end) for window in self.windows)

    async def restart_after_kill(self, server: ServerProcess, timeout_s: float) -> FaultWindow:
        """`kill -9` a server, start it again at once, and wait until it answers."""
        window = FaultWindow(f"kill -9 {server.name}", time.monotonic())
        self.windows.append(window)
        server.kill9()
        server.start()
        await server.wait_up(timeout_s)
        window.recovered = time.monotonic()
        return window

    async def database_outage(
        self, stop: Callable[[], None], start: Callable[[], None], down_s: float
    ) -> FaultWindow:
        """Stop the database, keep it down `down_s` seconds, start it again."""
        window = FaultWindow(f"database down {down_s:.0f} s", time.monotonic())
        self.windows.append(window)
        await asyncio.to_thread(stop)
        await asyncio.sleep(down_s)
        await asyncio.to_thread(start)
        window.recovered = time.monotonic()
        return window

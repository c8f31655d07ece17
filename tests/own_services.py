"""A PostgreSQL and a Redis server of a test's own, on free ports, that the test may stop and start.

The machine's shared PostgreSQL and Redis serve every engineer's tests and are never stopped; fault tests
use these instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis

from bot.runtime.ports import free_port

POSTGRES_USER = "postgres"  # initdb refuses to run as root


def _postgres_bin(name: str) -> str:
    """Path of a PostgreSQL server binary (Debian keeps them under /usr/lib/postgresql/<version>/bin)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"no {name} under /usr/lib/postgresql/*/bin")
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    """Run `args` as the postgres user when we are root."""
    return ["runuser", "-u", POSTGRES_USER, "--", *args] if os.geteuid() == 0 else args


@dataclass
class OwnPostgres:
    """A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1:port."""

    data_dir: Path
    port: int

    @property
    def url(self) -> str:
        """URL of its `postgres` database."""
        return f"postgresql://{POSTGRES_USER}@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str) -> None:
        """Run pg_ctl on the cluster."""
        subprocess.run(
            _as_postgres([_postgres_bin("pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "60", *args]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._ctl("-o", options, "-l", str(self.data_dir / "server.log"), "start")

    def stop(self) -> None:
        """Stop the server now (fast shutdown: open connections are closed)."""
        self._ctl("-m", "fast", "stop")


@contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A fresh PostgreSQL cluster, started; stopped and removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="own-pg-"))
    data_dir = root / "data"
    data_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, POSTGRES_USER)
        shutil.chown(data_dir, POSTGRES_USER)
    subprocess.run(
        _as_postgres(
            [_postgres_bin("initdb"), "-D", str(data_dir), "-U", POSTGRES_USER, "--auth=trust", "-E", "UTF8"]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = OwnPostgres(data_dir, free_port())
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class OwnRedis:
    """A Redis server without persistence on 127.0.0.1:port."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """URL of database 1 (the lock store's)."""
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self) -> None:
        """Start the server and wait until it answers."""
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        """kill -9 the server."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@contextmanager
def own_redis() -> Iterator[OwnRedis]:
    """A Redis server of our own, started; killed afterwards."""
    server = OwnRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.kill()

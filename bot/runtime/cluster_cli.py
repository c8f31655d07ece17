"""`bot run-cluster` (several Rasa processes behind nginx) and `bot soak` (the fault soak run)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from typing import Any

from bot.runtime.settings import PROJECT_ROOT, load_settings

PROCESSES_ENV = "CLUSTER_PROCESSES"


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM stops the cluster as Ctrl+C does."""
    raise KeyboardInterrupt


def _run_cluster(args: argparse.Namespace) -> int:
    """Start N Rasa processes and action servers behind nginx, and the console on the cluster address."""
    from bot.console.server import console_port
    from bot.runtime.cluster import cluster_env_summary, running_cluster
    from bot.runtime.training import ensure_model

    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # stopped by a supervisor: stop the children too
    settings = load_settings()
    model = ensure_model(settings.models_dir)
    processes = args.processes or int(os.environ.get(PROCESSES_ENV) or 2)
    print(
        f"Starting {processes} Rasa processes and action servers with {model.name} behind nginx...",
        flush=True,
    )
    with running_cluster(model, processes, listen_port=settings.rasa_port) as cluster:
        port = console_port()
        console_env = {**cluster.env, "CONSOLE_PORT": str(port), "CONSOLE_RASA_URL": cluster.url}
        console = subprocess.Popen(
            [sys.executable, "-m", "bot.console.server"], cwd=PROJECT_ROOT, env=console_env
        )
        nodes = ", ".join(node.url for node in cluster.nodes)
        print(
            f"\nThe cluster is up (started in {cluster.started_in_s:.1f} s): {nodes} behind nginx.\n"
            f"Shared: {cluster_env_summary(cluster.env)}; nginx config and logs under {cluster.log_dir}.\n"
            f"Website chat: {cluster.url}/webhooks/webchat/\n"
            f"Agent console: http://127.0.0.1:{port}/  (talks to the cluster at {cluster.url})\n"
            "Press Ctrl+C to stop.",
            flush=True,
        )
        from bot.channels.telegram_cli import connect_telegram
        from bot.db.engine import database_url
        from bot.privacy.schedule import start_retention_schedule

        start_retention_schedule(database_url())
        connect_telegram(cluster.url)
        try:
            assert cluster.nginx is not None
            cluster.nginx.wait()
        except KeyboardInterrupt:
            print("\nStopping.")
        finally:
            console.terminate()
            console.wait(timeout=20)
    return 0


def _soak(args: argparse.Namespace) -> int:
    """The soak run with faults."""
    from bot.benchmark.soak import main as soak

    argv = ["--short"] if args.short else []
    if args.seconds:
        argv += ["--seconds", str(args.seconds)]
    if args.customers:
        argv += ["--customers", str(args.customers)]
    return soak(argv)


def register(sub: Any) -> None:
    """Add `run-cluster` and `soak` to the `bot` command."""
    cluster = sub.add_parser("run-cluster", help="several Rasa processes behind nginx (PostgreSQL + Redis)")
    cluster.add_argument("-n", "--processes", type=int, help=f"how many (else {PROCESSES_ENV} or 2)")
    cluster.set_defaults(func=_run_cluster)
    soak = sub.add_parser("soak", help="customers complete intakes while servers and database fail")
    soak.add_argument("--short", action="store_true", help="10 customers for about a minute (CI)")
    soak.add_argument("--seconds", type=int, help="length of the run (else SOAK_SECONDS or 240)")
    soak.add_argument("--customers", type=int, help="concurrent customers (else 50, 10 with --short)")
    soak.set_defaults(func=_soak)

"""The `bot` command: train, run, shell, eval, bench, db and tickets."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from collections.abc import Sequence

from bot.runtime.settings import PROJECT_ROOT, load_settings


def _train(args: argparse.Namespace) -> int:
    """Train a model unless one exists for the current sources."""
    from bot.runtime.training import ensure_model

    path = ensure_model(load_settings().models_dir, force=args.force)
    print(f"model: {path}")
    return 0


def _prepare() -> tuple:  # type: ignore[type-arg]
    """Make sure a model exists (the servers migrate the database on start); return settings and model."""
    from bot.runtime.training import ensure_model

    settings = load_settings()
    return settings, ensure_model(settings.models_dir)


def _run(args: argparse.Namespace) -> int:
    """Start the assistant and the action server until interrupted."""
    from bot.console.server import console_port
    from bot.runtime.servers import running_servers

    settings, model = _prepare()
    print(f"Starting the assistant with {model.name} (this takes about half a minute)...", flush=True)
    with running_servers(settings, model, console_port=console_port()) as servers:
        print(
            f"\nThe assistant is up (started in {servers.started_in_s:.1f} s).\n"
            f"Website chat: {servers.settings.rasa_url}/webhooks/webchat/\n"
            f"  Talk to it in the terminal:  make shell\n"
            f"  Server-to-server API:        curl -s -XPOST {servers.webhook_url} "
            '-H "Authorization: Bearer $WEB_API_TOKEN" '
            '-H \'Content-Type: application/json\' -d \'{"sender": "me", "message": "你好"}\'\n'
            f"Agent console: {servers.console_url}/  (accounts: .venv/bin/bot agents add NAME --role agent)\n"
            f"  Tickets:                     .venv/bin/bot tickets list\n"
            "Press Ctrl+C to stop.",
            flush=True,
        )
        from bot.db.engine import database_url
        from bot.privacy.schedule import start_retention_schedule

        start_retention_schedule(database_url())  # RETENTION_INTERVAL_HOURS, see bot/privacy/retention.py
        from bot.channels.telegram_cli import connect_telegram

        connect_telegram(servers.settings.rasa_url)  # webhook or long polling when TELEGRAM_BOT_TOKEN is set
        try:
            servers.rasa.wait()
        except KeyboardInterrupt:
            print("\nStopping.")
    return 0


def _shell(args: argparse.Namespace) -> int:
    """Chat with the assistant in the terminal."""
    from bot.shell import chat

    settings, model = _prepare()
    return chat(settings, model)


def _eval(args: argparse.Namespace) -> int:
    """Held-out NLU evaluation."""
    from bot.evaluation.report import main as evaluate

    return evaluate(args)


def _bench(args: argparse.Namespace) -> int:
    """Latency, throughput and resource figures."""
    from bot.benchmark.run import main as bench

    return bench(args)


def _db_upgrade(args: argparse.Namespace) -> int:
    """Apply the database migrations to DATABASE_URL."""
    from bot.db.migrate import upgrade

    print(f"database at revision {upgrade()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `bot` command."""
    parser = argparse.ArgumentParser(prog="bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train a model if models/ has none for the current sources")
    train.add_argument("--force", action="store_true", help="train even if an up-to-date model exists")
    train.set_defaults(func=_train)
    sub.add_parser("run", help="start the assistant and the action server").set_defaults(func=_run)
    sub.add_parser("shell", help="chat with the assistant in the terminal").set_defaults(func=_shell)
    evaluation = sub.add_parser("eval", help="held-out and real-text NLU evaluation vs the stock recipe")
    evaluation.add_argument("--nlu-only", action="store_true", help="NLU-only model (faster to train)")
    evaluation.add_argument("--real-sample", type=int, help="score a sample of N rows of each real file")
    evaluation.add_argument(
        "--e2e", type=int, default=10, help="real openings per file played end to end (0: none; default 10)"
    )
    evaluation.set_defaults(func=_eval)
    bench = sub.add_parser("bench", help="latency, throughput, memory and training time")
    bench.add_argument("--quick", action="store_true", help="fewer requests, for a smoke run")
    bench.set_defaults(func=_bench)
    database = sub.add_parser("db", help="database schema")
    db_commands = database.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply the Alembic migrations").set_defaults(func=_db_upgrade)
    from bot.analytics.cli import register as register_analytics
    from bot.console.agents_cli import register as register_agents
    from bot.privacy.cli import register as register_privacy
    from bot.tickets.cli import register

    register(sub)
    from bot.channels.telegram_cli import register as register_telegram

    register_telegram(sub)
    register_agents(sub)
    register_privacy(sub)
    register_analytics(sub)
    from bot.runtime.cluster_cli import register as register_cluster

    register_cluster(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `bot` console script."""
    os.chdir(PROJECT_ROOT)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except subprocess.CalledProcessError as error:
        return error.returncode or 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

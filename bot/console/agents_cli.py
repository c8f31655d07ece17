"""`bot agents add NAME --role R`: console accounts (password from a prompt, or stdin's first line)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.console.passwords import hash_password
from bot.handoff.models import AgentRole
from bot.handoff.store import AgentExists, HandoffStore

MIN_PASSWORD_CHARS = 8


def _read_password() -> str | None:
    """From a hidden prompt (twice) on a terminal, else the first line of stdin; None when they differ."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Password again: ")
        return first if first == second else None
    return sys.stdin.readline().rstrip("\r\n")


def _add(args: argparse.Namespace) -> int:
    """Create an agent account."""
    from bot.db.engine import database_url
    from bot.db.migrate import upgrade

    password = _read_password()
    if password is None:
        print("the passwords differ", file=sys.stderr)
        return 2
    if len(password) < MIN_PASSWORD_CHARS:
        print(f"the password needs at least {MIN_PASSWORD_CHARS} characters", file=sys.stderr)
        return 2
    url = database_url()
    upgrade(url)
    try:
        agent = HandoffStore(url).add_agent(
            args.name,
            args.display_name or args.name,
            AgentRole(args.role),
            hash_password(password),
            language=args.language,
        )
    except AgentExists:
        print(f"agent {args.name} exists already", file=sys.stderr)
        return 1
    print(f"agent {agent.username} ({agent.role}) created")
    return 0


def _list(args: argparse.Namespace) -> int:
    """Print the accounts."""
    from bot.db.engine import database_url
    from bot.db.migrate import upgrade

    url = database_url()
    upgrade(url)
    for agent in HandoffStore(url).agents():
        state = "" if agent.active else " (inactive)"
        print(f"{agent.username}\t{agent.role}\t{agent.display_name}\t{agent.language}{state}")
    return 0


def _set_active(args: argparse.Namespace) -> int:
    """Disable or re-enable an account."""
    from bot.db.engine import database_url
    from bot.db.migrate import upgrade

    url = database_url()
    upgrade(url)
    active = args.agents_command == "enable"
    if not HandoffStore(url).set_agent_active(args.name, active):
        print(f"no agent {args.name}", file=sys.stderr)
        return 1
    print(f"agent {args.name} {'enabled' if active else 'disabled'}")
    return 0


def register(subparsers: Any) -> None:
    """Add `agents add` and `agents list` to the `bot` command."""
    agents = subparsers.add_parser("agents", help="agent console accounts")
    commands = agents.add_subparsers(dest="agents_command", required=True)
    add = commands.add_parser("add", help="create an account (password prompted, or stdin's first line)")
    add.add_argument("name", help="login name")
    add.add_argument("--role", choices=[r.value for r in AgentRole], default=AgentRole.AGENT.value)
    add.add_argument("--display-name", help="the name customers and colleagues see (default: NAME)")
    add.add_argument("--language", choices=["zh", "en"], default="zh", help="console language")
    add.set_defaults(func=_add)
    commands.add_parser("list", help="every account").set_defaults(func=_list)
    for name, help_text in (("disable", "lock an account out (ends its sessions)"), ("enable", "unlock it")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("name", help="login name")
        command.set_defaults(func=_set_active)

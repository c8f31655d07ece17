"""Terminal chat with the assistant, through the same web channel customers use."""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path

from bot.runtime.servers import running_servers
from bot.runtime.settings import PROJECT_ROOT, Settings

EXIT_WORDS = {"/quit", "/exit", "quit", "exit", "退出"}


def send(url: str, sender: str, text: str, api_token: str | None = None) -> list[dict]:
    """Send one customer message over the server-to-server web API; return the bot's replies."""
    body = json.dumps({"sender": sender, "message": text, "message_id": uuid.uuid4().hex}).encode()
    headers = {"Content-Type": "application/json"}
    if api_token:
        headers["Authorization"] = f"Bearer {api_token}"
    request = urllib.request.Request(url, body, headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def show(replies: list[dict]) -> None:
    """Print replies, with buttons as numbered choices."""
    for reply in replies:
        if reply.get("text"):
            print(f"🤖 {reply['text']}")
        for i, button in enumerate(reply.get("buttons") or [], 1):
            print(f"   [{i}] {button.get('title')}")


def chat(settings: Settings, model: Path) -> int:
    """Start the servers, then read customer lines from the terminal until EOF or 'exit'."""
    print("Starting the assistant (about half a minute)...", flush=True)
    with running_servers(settings, model, log_dir=PROJECT_ROOT / "var" / "logs", web_api=True) as servers:
        sender = f"shell-{uuid.uuid4().hex[:8]}"
        buttons: list[dict] = []
        print("Type in Chinese or English. 'exit' or Ctrl+D to leave. 请用中文或英文输入,输入“退出”结束。\n")
        while True:
            try:
                line = input("you> ")
            except EOFError:
                print()
                break
            if line.strip().lower() in EXIT_WORDS:
                break
            if line.strip().isdigit() and 0 < int(line) <= len(buttons):
                line = str(buttons[int(line) - 1].get("payload") or line)
            replies = send(servers.webhook_url, sender, line, servers.web_api_token)
            show(replies)
            buttons = [b for reply in replies for b in reply.get("buttons") or []]
    return 0

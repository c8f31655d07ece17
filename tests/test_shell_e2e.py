"""`make shell`: a bilingual conversation in the terminal, through the real servers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.runtime.ports import free_port
from bot.runtime.settings import PROJECT_ROOT


def test_shell_holds_a_bilingual_conversation(trained_model: Path, sqlite_url: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": sqlite_url,
        "RASA_PORT": str(free_port()),
        "ACTIONS_PORT": str(free_port()),
        "MODELS_DIR": str(trained_model.parent),
    }
    env.pop("ACTION_ENDPOINT_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "shell"],
        input="你好\nhello\n我要查询投诉进度\n退出\n",
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # Piped stdin: the "you> " prompts and the replies share lines.
    bot_lines = [line.split("🤖", 1)[1] for line in result.stdout.splitlines() if "🤖" in line]
    assert any("您好" in line for line in bot_lines), result.stdout
    assert any("Hello" in line for line in bot_lines), result.stdout
    assert any("CMP-2026-000123" in line or "编号" in line for line in bot_lines), result.stdout

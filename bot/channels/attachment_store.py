"""Where the bytes of customers' files live: one directory per conversation under var/attachments."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

from bot.runtime.settings import PROJECT_ROOT

ATTACHMENTS_DIR_ENV = "ATTACHMENTS_DIR"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def attachments_dir() -> Path:
    """The attachment store's root (ATTACHMENTS_DIR, default var/attachments)."""
    return Path(os.environ.get(ATTACHMENTS_DIR_ENV) or PROJECT_ROOT / "var" / "attachments")


def save_bytes(conversation_id: str, data: bytes, suffix: str) -> Path:
    """Write a file of a conversation under a fresh name; its absolute path."""
    folder = attachments_dir() / _UNSAFE.sub("_", conversation_id)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{_UNSAFE.sub('', suffix)[:10]}"
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(data)
    temporary.replace(path)  # an agent never sees half a file
    return path.resolve()

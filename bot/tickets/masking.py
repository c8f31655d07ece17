"""Masks personal data (phone numbers, VINs, licence plates) and secrets (tokens, keys) before a log."""

from __future__ import annotations

import logging
import os
import re
import time
from pathlib import Path

from bot.nlu.entities.plate import PROVINCES

MASK = "*"
_PHONE_HIDDEN_DIGITS = 4  # the four digits before the last four: +86138****5678
_VIN_SHOWN_HEAD = 3  # the manufacturer code (WMI)
_SHOWN_TAIL = 4

# Chinese mobiles, with or without +86 / 0086 and with spaces or dashes; any other E.164 number.
_PHONE = re.compile(
    r"(?<![A-Za-z0-9+])(?:(?:\+|00)?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}(?!\d)|(?<![A-Za-z0-9+])\+[1-9]\d{7,14}(?!\d)"
)
# 17 VIN characters (no I, O, Q) with at least one digit and one letter; not inside a longer word.
_VIN = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-HJ-NPR-Za-hj-npr-z]*\d)(?=\d*[A-HJ-NPR-Za-hj-npr-z])"
    r"[A-HJ-NPR-Za-hj-npr-z0-9]{17}(?![A-Za-z0-9])"
)
# Province, office letter, optional separator, 5 (ordinary) or 6 (new-energy) letters and digits.
_PLATE = re.compile(rf"[{PROVINCES}][A-Za-z][·・•.\-\s]?[A-Za-z0-9]{{5,6}}(?![A-Za-z0-9])")


SECRET_MASK = "***"
# Telegram bot tokens ("123456789:AA..."), as in Bot API URLs (.../bot<token>/sendMessage).
_TELEGRAM_TOKEN = re.compile(r"(?:(?<=bot)|(?<![A-Za-z0-9]))\d{5,12}:[A-Za-z0-9_-]{30,}")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{6,}")
# Secrets in URLs, cookies and key=value log text.
_SECRET_PARAMETER = re.compile(
    r"(?i)((?:^|[?&;\s\"'])(?:token|auth_token|access_token|secret|secret_token|api_key|password|session|csrftoken)"
    r"=)[^&;\s\"']+"
)
# Environment variables holding secrets; their values are masked wherever they appear.
_SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|_KEY)$")
_MIN_SECRET_CHARS = 8
_KNOWN_SECRETS_TTL_S = 60.0
_known: tuple[float, tuple[str, ...]] = (0.0, ())


def _secrets_dir() -> Path:
    """Where generated secrets are kept (bot.runtime.secrets; read here without importing the runtime)."""
    root = Path(__file__).resolve().parents[2]
    return Path(os.environ.get("BOT_SECRETS_DIR") or root / "var" / "secrets")


def known_secrets() -> tuple[str, ...]:
    """Values of secret environment variables and generated secrets, longest first (re-read each minute)."""
    global _known
    read_at, values = _known
    if time.monotonic() - read_at < _KNOWN_SECRETS_TTL_S:
        return values
    found = {value for name, value in os.environ.items() if _SECRET_NAME.search(name.upper())}
    directory = _secrets_dir()
    if directory.is_dir():
        for path in directory.iterdir():
            try:
                found.add(path.read_text().strip())
            except OSError:
                continue
    values = tuple(sorted((v for v in found if len(v) >= _MIN_SECRET_CHARS), key=len, reverse=True))
    _known = (time.monotonic(), values)
    return values


def mask_secrets(text: str) -> str:
    """Every configured secret, Telegram bot token, Bearer token and secret URL parameter, masked."""
    for value in known_secrets():
        if value in text:
            text = text.replace(value, SECRET_MASK)
    text = _TELEGRAM_TOKEN.sub(SECRET_MASK, text)
    text = _BEARER.sub(lambda m: m.group(1) + SECRET_MASK, text)
    return _SECRET_PARAMETER.sub(lambda m: m.group(1) + SECRET_MASK, text)


def mask_phone(phone: str) -> str:
    """Hide the four digits before the last four: "+8613812345678" -> "+86138****5678"."""
    digit_positions = [i for i, char in enumerate(phone) if char.isdigit()]
    if len(digit_positions) <= _SHOWN_TAIL:
        return MASK * len(phone)
    hidden = digit_positions[-_SHOWN_TAIL - _PHONE_HIDDEN_DIGITS : -_SHOWN_TAIL]
    return "".join(MASK if i in hidden else char for i, char in enumerate(phone))


def mask_vin(vin: str) -> str:
    """Keep the manufacturer code and the last four: "LFV2A21K7E3123456" -> "LFV**********3456"."""
    if len(vin) <= _VIN_SHOWN_HEAD + _SHOWN_TAIL:
        return MASK * len(vin)
    return vin[:_VIN_SHOWN_HEAD] + MASK * (len(vin) - _VIN_SHOWN_HEAD - _SHOWN_TAIL) + vin[-_SHOWN_TAIL:]


def mask_plate(plate: str) -> str:
    """Keep the province and office letter and the last two: "粤BD12345" -> "粤B****45"."""
    if len(plate) <= 4:
        return MASK * len(plate)
    return plate[:2] + MASK * (len(plate) - 4) + plate[-2:]


def mask_text(text: str) -> str:
    """Every secret, phone number, VIN and licence plate in `text`, masked."""
    text = mask_secrets(text)
    text = _VIN.sub(lambda m: mask_vin(m.group()), text)
    text = _PLATE.sub(lambda m: mask_plate(m.group()), text)
    return _PHONE.sub(lambda m: mask_phone(m.group()), text)


class MaskingFilter(logging.Filter):
    """Rewrites each record's message with personal data and secrets masked (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Format the message once, mask it, and store it without arguments."""
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's error to report, not ours
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_masking() -> MaskingFilter:
    """Mask personal data in everything the root logger's handlers emit; returns the filter (idempotent).

    Filters on a logger only see records logged on that very logger, not those propagated from child
    loggers, so the filter goes on each of the root logger's handlers. Call it after logging is configured;
    handlers added later are not covered.
    """
    root = logging.getLogger()
    existing = next((f for f in root.filters if isinstance(f, MaskingFilter)), None)
    masking = existing or MaskingFilter()
    if existing is None:
        root.addFilter(masking)
    for handler in root.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(masking)
    return masking

"""Personal data never reaches a log line in clear."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.tickets.masking import MaskingFilter, mask_phone, mask_plate, mask_text, mask_vin


def test_single_values_are_masked() -> None:
    assert mask_phone("+8613812345678") == "+86138****5678"
    assert mask_vin("LFV2A21K7E3123456") == "LFV**********3456"
    assert mask_plate("粤BD12345") == "粤B****45"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("电话13812345678,车牌川A12345", "13812345678"),
        ("call me on +86 138 1234 5678", "1234 5678"),
        ("VIN LFV2A21K7E3123456 please", "LFV2A21K7E3123456"),
        ("新能源车牌 京AD12345 被刮了", "京AD12345"),
    ],
)
def test_text_is_masked(text: str, secret: str) -> None:
    masked = mask_text(text)
    assert secret not in masked
    assert "*" in masked


def test_ordinary_numbers_are_left_alone() -> None:
    text = "报价200结果收了1000, ticket CMP-2026-000123, 35000 km"
    assert mask_text(text) == text


def test_log_records_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.masking")
    caplog.handler.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="test.masking"):
        logger.info("filed %s for phone %s plate %s", "CMP-2026-000001", "+8613812345678", "川A12345")
    assert caplog.messages == ["filed CMP-2026-000001 for phone +86138****5678 plate 川A***45"]


def test_secrets_are_masked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from bot.tickets import masking

    monkeypatch.setenv("WEB_API_TOKEN", "configured-web-api-token-value")
    monkeypatch.setenv("BOT_SECRETS_DIR", str(tmp_path))
    (tmp_path / "session_secret").write_text("generated-session-key-0123456789")
    monkeypatch.setattr(masking, "_known", (0.0, ()))  # read the secrets again
    lines = {
        "POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage": "AAHdq",
        "Authorization: Bearer abcdef123456": "abcdef123456",
        "GET /conversations/x/tracker?token=abc123def&verbosity=ALL": "abc123def",
        "Set-Cookie: session=eyJhbGciOi.sig; Path=/": "eyJhbGciOi",
        "webhook called with configured-web-api-token-value": "configured-web-api-token-value",
        "signing with generated-session-key-0123456789": "generated-session-key-0123456789",
    }
    for line, secret in lines.items():
        assert secret not in mask_text(line), line
    assert (
        mask_text("ticket CMP-2026-000123 at 10:30:15, 35000 km")
        == "ticket CMP-2026-000123 at 10:30:15, 35000 km"
    )

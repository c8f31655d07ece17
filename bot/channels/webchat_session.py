"""Website chat sessions issued by the server: a signed, expiring cookie naming a random customer."""

from __future__ import annotations

import os
import secrets
from http.cookies import SimpleCookie

from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.runtime.secrets import secret

COOKIE_NAME = "webchat_session"
COOKIE_PATH = "/webhooks/webchat"
SECRET_ENV = "WEBCHAT_SECRET"
MAX_AGE_ENV = "WEBCHAT_SESSION_DAYS"
DEFAULT_MAX_AGE_DAYS = 30
CONVERSATION_PREFIX = "web-"
_SALT = "webchat-session-v1"


def max_age_s() -> int:
    """How long a session lives without a page visit (WEBCHAT_SESSION_DAYS, default 30 days)."""
    try:
        days = float(os.environ.get(MAX_AGE_ENV) or DEFAULT_MAX_AGE_DAYS)
    except ValueError:
        days = DEFAULT_MAX_AGE_DAYS
    return max(60, int(days * 86_400))


class SessionSigner:
    """Issues and checks session tokens with the secret WEBCHAT_SECRET (generated under var/ if unset)."""

    def __init__(self, key: str | None = None) -> None:
        """Sign with `key`, else with the configured secret."""
        self._serializer = URLSafeTimedSerializer(key or secret(SECRET_ENV), salt=_SALT)

    def issue(self, customer_id: str | None = None) -> tuple[str, str]:
        """(token, customer id): a fresh token for `customer_id`, or for a new random customer."""
        customer_id = customer_id or secrets.token_hex(16)
        return self._serializer.dumps({"c": customer_id}), customer_id

    def customer(self, token: str | None) -> str | None:
        """The customer id of a genuine, unexpired token; None for a missing, forged or expired one."""
        if not token:
            return None
        try:
            data = self._serializer.loads(token, max_age=max_age_s())
        except BadSignature:  # SignatureExpired is a BadSignature
            return None
        customer_id = data.get("c") if isinstance(data, dict) else None
        return customer_id if isinstance(customer_id, str) and len(customer_id) == 32 else None


def conversation_id(customer_id: str) -> str:
    """The Rasa conversation of a website customer (derived on the server, never sent by the client)."""
    return f"{CONVERSATION_PREFIX}{customer_id}"


def token_from_cookie_header(header: str | None) -> str | None:
    """The session token in a raw Cookie header, if any."""
    if not header:
        return None
    cookies = SimpleCookie()
    try:
        cookies.load(header)
    except Exception:  # a malformed Cookie header is just no session
        return None
    morsel = cookies.get(COOKIE_NAME)
    return morsel.value if morsel else None

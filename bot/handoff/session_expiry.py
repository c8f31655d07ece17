"""SESSION_EXPIRATION_MINUTES overrides the domain's session expiry on a running server (ops and tests)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from rasa.shared.core.domain import SessionConfig

logger = logging.getLogger(__name__)

SESSION_EXPIRY_ENV = "SESSION_EXPIRATION_MINUTES"


def apply_session_expiry(agent: Any, env: Mapping[str, str] | None = None) -> float | None:
    """Set the loaded model's session expiry from the environment; returns the minutes set, if any."""
    value = (os.environ if env is None else env).get(SESSION_EXPIRY_ENV)
    if not value or agent is None or agent.processor is None:
        return None
    minutes = float(value)
    domain = agent.processor.domain
    domain.session_config = SessionConfig(minutes, domain.session_config.carry_over_slots)
    logger.info("session expiry set to %s minutes by %s", minutes, SESSION_EXPIRY_ENV)
    return minutes

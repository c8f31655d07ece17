"""Server-side settings of the handoff: the session expiry override and the agents' join/leave lines."""

from __future__ import annotations

from types import SimpleNamespace

from rasa.shared.core.domain import Domain, SessionConfig

from bot.handoff.markers import marker_text
from bot.handoff.session_expiry import apply_session_expiry


def test_session_expiry_from_the_environment_overrides_the_domain() -> None:
    domain = Domain.from_dict({"session_config": {"session_expiration_time": 720}})
    agent = SimpleNamespace(processor=SimpleNamespace(domain=domain))
    assert apply_session_expiry(agent, env={}) is None
    assert domain.session_config.session_expiration_time == 720
    assert apply_session_expiry(agent, env={"SESSION_EXPIRATION_MINUTES": "0.25"}) == 0.25
    assert domain.session_config == SessionConfig(0.25, True)


def test_join_and_leave_lines_in_the_customers_language() -> None:
    assert marker_text("agent_joined", "王丽", "zh") == "客服 王丽 已加入对话,为您服务。"
    assert marker_text("agent_left", "Wang Li", "en") == "Wang Li has left the conversation."
    assert marker_text("agent_joined", "王丽", None).startswith("客服 王丽")

"""What the customer reads when an agent joins or leaves the conversation (zh/en)."""

from __future__ import annotations

AGENT_JOINED, AGENT_LEFT = "agent_joined", "agent_left"
MARKER_KINDS = (AGENT_JOINED, AGENT_LEFT)
_TEXTS = {
    AGENT_JOINED: {
        "zh": "客服 {name} 已加入对话,为您服务。",
        "en": "{name} from customer relations has joined.",
    },
    AGENT_LEFT: {"zh": "客服 {name} 已离开对话。", "en": "{name} has left the conversation."},
}


def marker_text(marker: str, agent_name: str, language: str | None) -> str:
    """The line shown for a join/leave marker in the customer's language (Chinese by default)."""
    texts = _TEXTS[marker]
    return texts.get(language or "zh", texts["zh"]).format(name=agent_name)

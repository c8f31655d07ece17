"""The TED policy answers a dialogue state it has seen from memory, with the same prediction."""

from __future__ import annotations

from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.constants import Intent
from bot.dialogue.ted_policy import CachingTEDPolicy


def _ted(agent: Agent) -> CachingTEDPolicy:
    """The TED policy instance inside the loaded model's graph."""
    assert agent.processor is not None
    nodes = agent.processor.graph_runner._instantiated_nodes.values()  # type: ignore[attr-defined]
    return next(n._component for n in nodes if isinstance(getattr(n, "_component", None), CachingTEDPolicy))


def _tracker(agent: Agent, sender: str, intent: str) -> DialogueStateTracker:
    """A conversation that has just received one message with `intent`."""
    events = [
        ActionExecuted("action_listen"),
        UserUttered("…", intent={"name": intent, "confidence": 1.0}),
    ]
    return DialogueStateTracker.from_events(sender, events, agent.domain.slots)


def test_repeated_state_is_predicted_from_memory_with_identical_output(trained_model: Path) -> None:
    agent = Agent.load(str(trained_model))
    ted = _ted(agent)
    domain = agent.domain
    first = ted.predict_action_probabilities(_tracker(agent, "a", Intent.GREET), domain)
    misses, hits = ted.misses, ted.hits
    # Another customer in the same state: no inference, the same probabilities, a fresh object.
    second = ted.predict_action_probabilities(_tracker(agent, "b", Intent.GREET), domain)
    assert (ted.misses, ted.hits) == (misses, hits + 1)
    assert second.probabilities == first.probabilities
    assert second is not first and second.probabilities is not first.probabilities
    assert second.policy_name == "CachingTEDPolicy"
    # A different state is a new inference with a different answer.
    other = ted.predict_action_probabilities(_tracker(agent, "c", Intent.ROADSIDE_ASSISTANCE), domain)
    assert ted.misses == misses + 1
    assert other.probabilities != first.probabilities

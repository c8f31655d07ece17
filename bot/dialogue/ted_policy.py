"""TED with its predictions remembered per dialogue state, so a repeated state costs no inference."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from rasa.core.featurizers.precomputation import MessageContainerForCoreFeaturization
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

MAX_REMEMBERED_STATES = 4096


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class CachingTEDPolicy(TEDPolicy):
    """Rasa's TEDPolicy; identical inputs give the remembered output instead of a second inference.

    Without end-to-end text features TED's input is exactly the featurised dialogue states of the last
    `max_history` turns (intents, entity types, slots, active loop, previous action), and its output is
    a pure function of them. Customers filling the same form walk through the same states, so most
    predictions repeat; each one otherwise costs a quarter of a turn's CPU time.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Create the policy with an empty prediction memory."""
        super().__init__(*args, **kwargs)
        self._remembered: OrderedDict[str, tuple[list[float], bool, dict[str, Any] | None]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def _reads_text(self, tracker: DialogueStateTracker) -> bool:
        """Whether this prediction would featurise message text (then states alone are not the input)."""
        return self.only_e2e or (
            tracker.latest_action_name == ACTION_LISTEN_NAME and TEXT in self.fake_features
        )

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: MessageContainerForCoreFeaturization | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """TED's prediction for the tracker, from memory when the same states were seen before."""
        if self.model is None or self._reads_text(tracker):
            return super().predict_action_probabilities(
                tracker, domain, rule_only_data, precomputations, **kwargs
            )
        states = self._prediction_states(tracker, domain, rule_only_data=rule_only_data)
        key = json.dumps(states, sort_keys=True)
        remembered = self._remembered.get(key)
        if remembered is None:
            self.misses += 1
            prediction = super().predict_action_probabilities(
                tracker, domain, rule_only_data, precomputations, **kwargs
            )
            remembered = (
                list(prediction.probabilities),
                prediction.is_end_to_end_prediction,
                prediction.diagnostic_data,
            )
            self._remembered[key] = remembered
            if len(self._remembered) > MAX_REMEMBERED_STATES:
                self._remembered.popitem(last=False)
            return prediction
        self.hits += 1
        self._remembered.move_to_end(key)
        probabilities, end_to_end, diagnostic_data = remembered
        return self._prediction(
            list(probabilities), is_end_to_end_prediction=end_to_end, diagnostic_data=diagnostic_data
        )

"""Rasa featurizer: one feature per word class of the domain lexicon (part, symptom, service, demand...)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.utils import pattern_utils
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.lexicon import LEXICON_PATH
from bot.nlu.normalize import normalize
from bot.nlu.vocabulary import VOCABULARY_PATH, class_pattern, load_classes

CLASS_PREFIX = "lexicon:"
# Message property: the lexicon classes the tokenized text mentions (read by the ComplaintClarifier).
LEXICON_CLASSES = "lexicon_classes"


def lexicon_patterns(vocabulary: Path, lexicon: Path) -> list[dict[str, str]]:
    """One named pattern per word class."""
    classes = load_classes(vocabulary, lexicon)
    return [{"name": CLASS_PREFIX + name, "pattern": class_pattern(words)} for name, words in classes.items()]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LexiconFeaturizer(RegexFeaturizer):
    """Rasa's RegexFeaturizer over the lexicon's word classes (and the data's regexes and lookup tables).

    Patterns match the normalised text (NFKC, Simplified, lower case), so Traditional and full-width
    writing match too. The patterns are stored in the model (patterns.json) and read back at load,
    so a model never runs with another lexicon than the one it was trained on.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """RegexFeaturizer's config plus the lexicon files."""
        return {
            **RegexFeaturizer.get_default_config(),
            "use_word_boundaries": False,
            "lexicon": None,  # default: bot/nlu/resources/lexicon.yml
            "vocabulary": None,  # default: bot/nlu/resources/vocabulary.yml
        }

    def train(self, training_data: TrainingData) -> Resource:
        """The lexicon's class patterns, then any from the data; stored in the model."""
        lexicon = Path(self._config.get("lexicon") or LEXICON_PATH)
        vocabulary = Path(self._config.get("vocabulary") or VOCABULARY_PATH)
        self.known_patterns = lexicon_patterns(vocabulary, lexicon) + pattern_utils.extract_patterns(
            training_data,
            use_lookup_tables=self._config["use_lookup_tables"],
            use_regexes=self._config["use_regexes"],
            use_word_boundaries=self._config["use_word_boundaries"],
        )
        self._persist()
        return self._resource

    @property
    def _class_names(self) -> set[str]:
        """Names of the lexicon's classes (without the data's own patterns)."""
        return {n.removeprefix(CLASS_PREFIX) for n in self.pattern_names if n.startswith(CLASS_PREFIX)}

    @property
    def pattern_names(self) -> list[str]:
        """Names of the known patterns, in feature order."""
        return [p["name"] for p in self.known_patterns]

    def _features_for_patterns(
        self, message: Message, attribute: str
    ) -> tuple[scipy.sparse.coo_matrix | None, scipy.sparse.coo_matrix | None]:
        """Token features (which classes each token is part of) and the sentence's (any of its tokens)."""
        text = message.get(attribute)
        tokens = message.get(TOKENS_NAMES[attribute], [])
        if not text or not tokens or not isinstance(text, str):
            return None, None
        normalized = normalize(text)
        sequence = np.zeros([len(tokens), len(self.known_patterns)])
        for index, pattern in enumerate(self.known_patterns):
            flags = 0 if self.case_sensitive else re.IGNORECASE
            spans = [
                normalized.to_original(m.start(), m.end())
                for m in re.finditer(pattern["pattern"], normalized.text, flags=flags)
                if m.end() > m.start()
            ]
            for token_index, token in enumerate(tokens):
                if any(token.start < end and token.end > start for start, end in spans):
                    sequence[token_index][index] = 1.0
        sentence = sequence.max(axis=0, keepdims=True)
        names = self.pattern_names
        found = [names[i].removeprefix(CLASS_PREFIX) for i in np.flatnonzero(sentence[0])]
        message.set(LEXICON_CLASSES, [n for n in found if n in self._class_names])
        return scipy.sparse.coo_matrix(sequence), scipy.sparse.coo_matrix(sentence)

"""Rasa tokenizer for mixed Chinese/English customer text (normalised, jieba via spaCy, original offsets)."""

from __future__ import annotations

import json
import logging
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.lexicon import LEXICON_PATH
from bot.nlu.narrative import salient_words
from bot.nlu.segmenter import segment
from bot.nlu.vocabulary import VOCABULARY_PATH, class_pattern, load_classes, segmenter_words

logger = logging.getLogger(__name__)

# Every customer writes other amounts, phones, dates and plate numbers: for the word features the
# digits' shape (length, position) matters, not their values, which are the entity extractor's business.
_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
DICTIONARY_FILE = "segmenter.json"
# Word classes whose mention makes a sentence of a long narrative one that states the problem.
PROBLEM_CLASSES = ("part", "symptom", "demand")


def word_shape(word: str) -> str:
    """The word with every digit replaced by 0 (the lemma the count-vector features read)."""
    return word.translate(_DIGITS_TO_ZERO)


def _resources(config: dict[str, Any]) -> dict[str, Any]:
    """The jieba user words and the problem-sentence pattern, from the lexicon files the config names."""
    lexicon = Path(config.get("lexicon") or LEXICON_PATH)
    vocabulary = Path(config.get("vocabulary") or VOCABULARY_PATH)
    classes = load_classes(vocabulary, lexicon)
    return {
        "user_words": segmenter_words(vocabulary, lexicon),
        "problem_pattern": class_pattern([w for c in PROBLEM_CLASSES for w in classes.get(c, [])]),
    }


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class BilingualTokenizer(Tokenizer):
    """Tokens carry normalised text, a digit-shape lemma (for features) and spans of the original text.

    The jieba user dictionary is stored in the model at training and read back from it at load
    (as Rasa's JiebaTokenizer does), so a model never segments with another model's vocabulary.
    Of a long message only the sentences that state the problem are tokenized (`max_words`).
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default config, as for Rasa's own tokenizers, plus the lexicon files and the narrative budget."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "lexicon": None,  # default: bot/nlu/resources/lexicon.yml
            "vocabulary": None,  # default: bot/nlu/resources/vocabulary.yml
            "max_words": 0,  # 0: tokenize every word of every message
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        resources: dict[str, Any] | None = None,
    ) -> None:
        """Tokenizer over `resources` (user words, problem pattern); from the config's files when None."""
        super().__init__({**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self._resources = resources or _resources(self._config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BilingualTokenizer:
        """Create the tokenizer for training, from the lexicon files."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Store the user dictionary and the problem pattern in the model."""
        if self._model_storage is None or self._resource is None:
            raise ValueError("a tokenizer without model storage cannot be trained")
        with self._model_storage.write_to(self._resource) as directory:
            (directory / DICTIONARY_FILE).write_text(json.dumps(self._resources, ensure_ascii=False), "utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> BilingualTokenizer:
        """The tokenizer with the dictionary stored in the model (never the files on disk now)."""
        with model_storage.read_from(resource) as directory:
            resources = json.loads((directory / DICTIONARY_FILE).read_text("utf-8"))
        return cls(config, model_storage, resource, resources)

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages the component needs."""
        return ["jieba", "spacy", "opencc"]

    @property
    def user_words(self) -> list[str]:
        """The words jieba keeps whole."""
        return list(self._resources["user_words"])

    @cached_property
    def _problem(self) -> re.Pattern[str]:
        """Mentions of parts, symptoms and demands."""
        return re.compile(self._resources["problem_pattern"])

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenize one attribute of a message."""
        text = message.get(attribute) or ""
        words = segment(text, self._resources["user_words"])
        if self._config["max_words"]:
            words = salient_words(text, words, self._problem, self._config["max_words"])
        tokens = [Token(w.text, w.start, w.end, lemma=word_shape(w.text)) for w in words]
        return self._apply_token_pattern(tokens)

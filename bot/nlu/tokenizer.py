"""Rasa tokenizer for mixed Chinese/English customer text (normalised, jieba via spaCy, original offsets)."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.segmenter import segment

# Every customer writes other amounts, phones, dates and plate numbers: for the word features the
# digits' shape (length, position) matters, not their values, which are the entity extractor's business.
_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")


def word_shape(word: str) -> str:
    """The word with every digit replaced by 0 (the lemma the count-vector features read)."""
    return word.translate(_DIGITS_TO_ZERO)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class BilingualTokenizer(Tokenizer):
    """Tokens carry normalised text, a digit-shape lemma (for features) and spans of the original text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Default config, as for Rasa's own tokenizers."""
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BilingualTokenizer:
        """Create the tokenizer."""
        return cls(config)

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages the component needs."""
        return ["jieba", "spacy", "opencc"]

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        """Tokenize one attribute of a message."""
        text = message.get(attribute) or ""
        tokens = [Token(w.text, w.start, w.end, lemma=word_shape(w.text)) for w in segment(text)]
        return self._apply_token_pattern(tokens)

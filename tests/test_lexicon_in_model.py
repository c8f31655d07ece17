"""The lexicon travels inside the model: a model trained on one lexicon never reads another at load."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.lexicon_featurizer import CLASS_PREFIX, LexiconFeaturizer
from bot.nlu.tokenizer import BilingualTokenizer

# A made-up part name jieba would cut in two without a user dictionary.
PART = "扭扭杆"


def _write_lexicon(directory: Path, part_words: list[str]) -> dict[str, str]:
    """A lexicon and a vocabulary in `directory`; the component config that names them."""
    lexicon = {"vehicle_models": {"Passat": ["passat", "帕萨特"]}, "parts": {"mystery": part_words}}
    vocabulary = {"classes": {"symptom": ["断裂", "crack*"], "part": []}}
    (directory / "lexicon.yml").write_text(yaml.safe_dump(lexicon, allow_unicode=True), "utf-8")
    (directory / "vocabulary.yml").write_text(yaml.safe_dump(vocabulary, allow_unicode=True), "utf-8")
    return {"lexicon": str(directory / "lexicon.yml"), "vocabulary": str(directory / "vocabulary.yml")}


def _words(tokenizer: BilingualTokenizer, text: str) -> list[str]:
    """Token texts of one message."""
    message = Message({TEXT: text})
    tokenizer.process([message])
    return [t.text for t in message.get(TOKENS_NAMES[TEXT])]


def _sentence_classes(tokenizer: BilingualTokenizer, featurizer: LexiconFeaturizer, text: str) -> set[str]:
    """Names of the lexicon classes the featurizer marks in a message's sentence features."""
    message = Message({TEXT: text})
    tokenizer.process([message])
    featurizer.process([message])
    _, sentence = message.get_sparse_features(TEXT)
    flags = sentence.features.toarray()[0]
    return {name for name, flag in zip(featurizer.pattern_names, flags, strict=True) if flag}


def test_a_model_keeps_its_own_lexicon(tmp_path: Path) -> None:
    config = _write_lexicon(tmp_path, [PART])
    (tmp_path / "model").mkdir()
    storage = LocalModelStorage(tmp_path / "model")
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer_resource, featurizer_resource = Resource("tokenizer"), Resource("lexicon_featurizer")
    tokenizer = BilingualTokenizer.create(config, storage, tokenizer_resource, context)
    tokenizer.train(TrainingData())
    featurizer_config = {**LexiconFeaturizer.get_default_config(), **config}
    featurizer = LexiconFeaturizer.create(featurizer_config, storage, featurizer_resource, context)
    featurizer.train(TrainingData())
    assert PART in _words(tokenizer, f"帕萨特的{PART}断裂了")

    # The files on disk change after training: the loaded model must not notice.
    _write_lexicon(tmp_path, ["别的零件"])
    loaded_tokenizer = BilingualTokenizer.load(config, storage, tokenizer_resource, context)
    loaded_featurizer = LexiconFeaturizer.load(featurizer_config, storage, featurizer_resource, context)
    assert PART in _words(loaded_tokenizer, f"帕萨特的{PART}断裂了")
    assert PART in loaded_tokenizer.user_words and "别的零件" not in loaded_tokenizer.user_words
    classes = _sentence_classes(loaded_tokenizer, loaded_featurizer, f"帕萨特的{PART}断裂了")
    assert classes == {CLASS_PREFIX + "part", CLASS_PREFIX + "symptom", CLASS_PREFIX + "model"}
    assert CLASS_PREFIX + "part" not in _sentence_classes(
        loaded_tokenizer, loaded_featurizer, "别的零件断裂了"
    )


def test_traditional_and_upper_case_match_the_lexicon(tmp_path: Path) -> None:
    config = _write_lexicon(tmp_path, ["door lock"])
    (tmp_path / "model").mkdir()
    storage = LocalModelStorage(tmp_path / "model")
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = BilingualTokenizer.create(config, storage, Resource("t"), context)
    featurizer = LexiconFeaturizer.create(
        {**LexiconFeaturizer.get_default_config(), **config}, storage, Resource("f"), context
    )
    featurizer.train(TrainingData())
    found = _sentence_classes(tokenizer, featurizer, "THE DOOR LOCK CRACKED IN HALF")
    assert found == {CLASS_PREFIX + "part", CLASS_PREFIX + "symptom"}
    assert CLASS_PREFIX + "symptom" in _sentence_classes(tokenizer, featurizer, "車門斷裂")

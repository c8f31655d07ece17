"""Answers maintenance and warranty questions from the bilingual knowledge base (kb.yml).

How a question is matched:
- The question is normalised (NFKC, Traditional -> Simplified, lower case); every entry's keywords (both
  languages, plus the lexicon aliases of its `parts`) are matched against it, longest first, English ones as
  whole words. A keyword counts 1 / (number of entries listing it), so shared words ("多久") weigh less
  than distinctive ones ("首保"); each distinct keyword counts once.
- Entries whose topic's own words appear in the question ("保修", "service") get a small bonus, so a part
  named in both a maintenance and a warranty entry goes to the one the question is about.
- Vehicle model: a model named in the question wins over the `vehicle_model` argument (the customer may be
  asking about another car). With a model, entries for other models are out, entries for that model get a
  small bonus, and an entry's `overrides` replace those generic entries (ID.4 + "换机油" -> EV schedule).
  Without a model, a model-specific entry can still win on its own keywords ("电动车"), adding the score
  of the generic entries it overrides.
- Ties go to the requested topic, then (without a model) to generic entries, then to file order.
- Nothing matching -> the topic's fallback entry ("general maintenance info") only when the question is
  nothing but the topic ("保养", "tell me about the warranty"): topic words, model names and kb.yml's
  filler words. Anything else left over ("discount", "打折") means we don't know what was asked, so None:
  the bot offers an agent. The requested topic is tried first, then the other.
- Entries with demo figures get the sample-data notice appended, whatever the caller does with the flag.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.constants import Language, StrEnum
from bot.nlu.entities.vehicle_model import find_vehicle_models, normalise_vehicle_model
from bot.nlu.lexicon import load_lexicon
from bot.nlu.normalize import normalize

KB_PATH = Path(__file__).parent / "kb.yml"

TOPIC_BONUS = 0.5  # the question names the entry's topic ("保修", "maintenance")
MODEL_BONUS = 0.25  # the entry is for the model the customer drives
MIN_SCORE = 0.5  # below this a match is too weak to answer (one keyword shared by three entries)

_LATIN_OR_DIGIT = re.compile(r"[a-z0-9]")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z]+")


class Topic(StrEnum):
    """What a knowledge-base question is about; the caller knows it from the NLU intent."""

    MAINTENANCE = "maintenance"
    WARRANTY = "warranty"


@dataclass(frozen=True)
class Answer:
    """An answer in the requested language, the entry it came from, and whether it holds demo figures."""

    text: str
    entry_id: str
    sample_data: bool


@dataclass(frozen=True)
class Entry:
    """One knowledge-base entry: its keywords (normalised) and its text per language."""

    id: str
    topic: Topic
    sample_data: bool
    models: frozenset[str]  # empty: for every model
    overrides: tuple[str, ...]
    keywords: tuple[str, ...]
    text: Mapping[Language, str]


@dataclass(frozen=True)
class TopicInfo:
    """A topic's fallback entry and the words that show a question is about it (normalised)."""

    fallback: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    """The loaded knowledge base."""

    entries: tuple[Entry, ...]
    topics: Mapping[Topic, TopicInfo]
    sample_notice: Mapping[Language, str]
    filler_zh: tuple[str, ...]  # longest first
    filler_en: frozenset[str]

    def entry(self, entry_id: str) -> Entry:
        """The entry with this id (KeyError when there is none)."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)


# ----------------------------------------------------------------------------------------------- loading


def _norm(text: str) -> str:
    """Text as questions are matched: normalised, whitespace collapsed."""
    return " ".join(normalize(text).text.split())


def _bilingual(raw: Any, where: str) -> dict[Language, str]:
    """A {zh, en} mapping of non-empty strings."""
    if not isinstance(raw, dict) or set(raw) != {lang.value for lang in Language}:
        raise ValueError(f"{where}: needs exactly the keys {[lang.value for lang in Language]}")
    texts = {Language(lang): str(raw[lang] or "").strip() for lang in raw}
    if not all(texts.values()):
        raise ValueError(f"{where}: empty text")
    return texts


def _keywords(raw: Any, where: str) -> list[str]:
    """Keywords of both languages, normalised."""
    if not isinstance(raw, dict) or not set(raw) <= {lang.value for lang in Language}:
        raise ValueError(f"{where}: keywords must be a mapping of zh/en lists")
    words = [k for lang in raw for k in (raw[lang] or [])]
    if not all(isinstance(k, str) for k in words):
        raise ValueError(f"{where}: quote keywords YAML reads as non-strings (on, no, 2022): {words}")
    return [_norm(k) for k in words]


def _entry(raw: dict[str, Any], default_sample: bool) -> Entry:
    """One entry from the file, checked against the lexicon."""
    entry_id = str(raw["id"])
    lexicon = load_lexicon()
    models = frozenset(str(m) for m in raw.get("models") or [])
    if unknown := models - set(lexicon.vehicle_models):
        raise ValueError(f"{entry_id}: models not in the lexicon: {sorted(unknown)}")
    parts = [str(p) for p in raw.get("parts") or []]
    if unknown_parts := set(parts) - set(lexicon.parts):
        raise ValueError(f"{entry_id}: parts not in the lexicon: {sorted(unknown_parts)}")
    keywords = _keywords(raw.get("keywords") or {}, entry_id)
    keywords += [_norm(alias) for part in parts for alias in lexicon.parts[part]]
    return Entry(
        id=entry_id,
        topic=Topic(raw["topic"]),
        sample_data=bool(raw.get("sample_data", default_sample)),
        models=models,
        overrides=tuple(str(o) for o in raw.get("overrides") or []),
        keywords=tuple(dict.fromkeys(k for k in keywords if k)),
        text=_bilingual(raw.get("text"), entry_id),
    )


def _check(kb: KnowledgeBase) -> None:
    """Cross-entry rules: unique ids, valid fallbacks and overrides, every entry reachable."""
    ids = Counter(e.id for e in kb.entries)
    if duplicates := [i for i, n in ids.items() if n > 1]:
        raise ValueError(f"duplicate entry ids: {duplicates}")
    if set(kb.topics) != set(Topic):
        raise ValueError(f"topics must be exactly {[t.value for t in Topic]}")
    for topic, info in kb.topics.items():
        fallback = kb.entry(info.fallback)
        if fallback.topic != topic or fallback.models:
            raise ValueError(f"fallback {info.fallback} must be a generic {topic} entry")
    for entry in kb.entries:
        for target in entry.overrides:
            if target not in ids or kb.entry(target).models:
                raise ValueError(f"{entry.id}: overrides must name generic entries, not {target}")
        if not entry.keywords and not entry.overrides:
            raise ValueError(f"{entry.id}: no keywords and overrides nothing, so it can never be chosen")


@lru_cache(maxsize=1)
def load_knowledge_base(path: Path = KB_PATH) -> KnowledgeBase:
    """Read and check kb.yml once per process."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    default_sample = bool(raw.get("sample_data", True))
    filler = raw["filler_words"]
    kb = KnowledgeBase(
        entries=tuple(_entry(e, default_sample) for e in raw["entries"]),
        topics={
            Topic(name): TopicInfo(
                fallback=str(info["fallback"]), keywords=tuple(_keywords(info["keywords"], name))
            )
            for name, info in raw["topics"].items()
        },
        sample_notice=_bilingual(raw.get("sample_notice"), "sample_notice"),
        filler_zh=tuple(sorted(set(_keywords({"zh": filler["zh"]}, "filler_words")), key=len, reverse=True)),
        filler_en=frozenset(_keywords({"en": filler["en"]}, "filler_words")),
    )
    _check(kb)
    return kb


# ---------------------------------------------------------------------------------------------- matching


def _keyword_pattern(keyword: str) -> str:
    """Regex for one keyword; Latin/digit ends must not touch other Latin letters or digits."""
    body = r"\s*".join(re.escape(part) for part in keyword.split())
    if _LATIN_OR_DIGIT.match(keyword[0]):
        body = rf"(?<![a-z0-9]){body}"
    if re.search(r"[a-z]$", keyword):
        body = rf"{body}(?:s|es)?"
    if _LATIN_OR_DIGIT.match(keyword[-1]):
        body = rf"{body}(?![a-z0-9])"
    return body


@lru_cache(maxsize=512)
def _compiled(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex over the keywords, longest first, each alternative its own group (see _matched)."""
    if not keywords:
        return None
    ordered = sorted(keywords, key=len, reverse=True)
    return re.compile("|".join(f"({_keyword_pattern(k)})" for k in ordered))


def _matched(keywords: tuple[str, ...], text: str) -> set[str]:
    """The keywords found in text, without overlaps (longest wins)."""
    pattern = _compiled(keywords)
    if pattern is None:
        return set()
    ordered = sorted(keywords, key=len, reverse=True)
    return {ordered[m.lastindex - 1] for m in pattern.finditer(text) if m.lastindex}


def _strip(keywords: Iterable[str], text: str) -> str:
    """Text with every occurrence of the keywords blanked out."""
    pattern = _compiled(tuple(keywords))
    return pattern.sub(" ", text) if pattern else text


@lru_cache(maxsize=1)
def _weights() -> dict[str, float]:
    """Each keyword's weight: 1 / how many entries list it."""
    counts = Counter(k for e in load_knowledge_base().entries for k in e.keywords)
    return {k: 1.0 / n for k, n in counts.items()}


def _model(question: str, vehicle_model: str | None) -> str | None:
    """The model the question is about: one it names, else the caller's (canonical name or alias)."""
    found = find_vehicle_models(question)
    if found:
        return found[0].value
    if vehicle_model is None:
        return None
    if vehicle_model in load_lexicon().vehicle_models:
        return vehicle_model
    return normalise_vehicle_model(vehicle_model)


def _scores(text: str, model: str | None) -> dict[str, float]:
    """Score of every entry that matched, after model overrides and the topic bonus."""
    kb = load_knowledge_base()
    weights = _weights()
    own: dict[str, float] = {}
    for entry in kb.entries:
        if model is not None and entry.models and model not in entry.models:
            continue
        own[entry.id] = sum(weights[k] for k in _matched(entry.keywords, text))
    scores = {i: s for i, s in own.items() if s > 0}
    for entry in kb.entries:
        if not entry.overrides or entry.id not in own:
            continue
        for_this_model = model is not None and model in entry.models
        if not for_this_model and own[entry.id] == 0:
            continue
        replaced = [own.get(target, 0.0) for target in entry.overrides]
        if max(replaced) > 0:
            scores[entry.id] = own[entry.id] + max(replaced)
        if for_this_model:
            for target in entry.overrides:
                scores.pop(target, None)
    named_topics = {t for t, info in kb.topics.items() if _matched(info.keywords, text)}
    for entry_id in scores:
        entry = kb.entry(entry_id)
        if entry.topic in named_topics:
            scores[entry_id] += TOPIC_BONUS
        if model is not None and model in entry.models:
            scores[entry_id] += MODEL_BONUS
    return scores


def _best(scores: Mapping[str, float], topic: Topic, model: str | None) -> str | None:
    """The winning entry id, or None when no score reaches MIN_SCORE."""
    kb = load_knowledge_base()
    order = {e.id: i for i, e in enumerate(kb.entries)}

    def rank(entry_id: str) -> tuple[float, bool, bool, int]:
        entry = kb.entry(entry_id)
        prefer_generic = model is None and not entry.models
        return (round(scores[entry_id], 6), entry.topic == topic, prefer_generic, -order[entry_id])

    candidates = [i for i, s in scores.items() if s >= MIN_SCORE]
    return max(candidates, key=rank) if candidates else None


def _only_about(topic: Topic, text: str) -> bool:
    """Whether text names the topic and says nothing else we could answer (filler and model names aside)."""
    kb = load_knowledge_base()
    keywords = kb.topics[topic].keywords
    if not _matched(keywords, text):
        return False
    rest = _strip(keywords, text)
    for span in sorted(find_vehicle_models(rest), key=lambda s: s.start, reverse=True):
        rest = rest[: span.start] + " " + rest[span.end :]
    for filler in kb.filler_zh:
        rest = rest.replace(filler, " ")
    if _CJK.search(rest):
        return False
    return all(word in kb.filler_en for word in _LATIN_WORD.findall(rest))


def _fallback(topic: Topic, model: str | None) -> str:
    """The topic's general entry, or the entry that overrides it for the model."""
    kb = load_knowledge_base()
    fallback = kb.topics[topic].fallback
    if model is not None:
        for entry in kb.entries:
            if model in entry.models and fallback in entry.overrides:
                return entry.id
    return fallback


def answer(question: str, topic: str, language: str, vehicle_model: str | None = None) -> Answer | None:
    """The knowledge-base answer to a maintenance or warranty question, or None to offer a human agent."""
    wanted_topic, lang = Topic(topic), Language(language)
    text = _norm(question)
    model = _model(text, vehicle_model)
    entry_id = _best(_scores(text, model), wanted_topic, model)
    if entry_id is None:
        named = [t for t in (wanted_topic, *Topic) if _only_about(t, text)]
        if not named:
            return None
        entry_id = _fallback(named[0], model)
    kb = load_knowledge_base()
    entry = kb.entry(entry_id)
    body = entry.text[lang]
    if entry.sample_data:
        body = f"{body}\n{kb.sample_notice[lang]}"
    return Answer(text=body, entry_id=entry.id, sample_data=entry.sample_data)

"""`bot eval`: language groups, the metric arithmetic, and the held-out acceptance test on the real model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation.holdout import HOLDOUT_TODAY, Example, load_examples
from bot.evaluation.language_group import EN, MIXED, TRADITIONAL, ZH, language_group
from bot.evaluation.metrics import FALLBACK, confusion_counts, entity_scores, intent_scores
from bot.evaluation.predict import Prediction, predict, predicted_entities
from bot.evaluation.scoring import score
from bot.evaluation.targets import MIN_MACRO_F1, check_targets


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("hi", EN),
        ("the invoice says ¥2,860", EN),
        ("13812345678", EN),
        ("你好", ZH),
        ("我的 Passat 的 AC 又坏了", ZH),  # model and part names do not make a message code-switched
        ("VIN 是 LSVNV6188P2031846", ZH),
        ("车牌川A7K2M9，电话13812345678", ZH),
        ("hi 你好", MIXED),
        ("DSG 修完还是 jerky，白跑一趟", MIXED),
        ("ｏｋ 拜拜", MIXED),  # full-width letters count as Latin
        ("您好，請問有人在嗎", TRADITIONAL),
        ("我的 Passat 變速箱 still 頓挫", TRADITIONAL),  # Traditional wins over mixed
    ],
)
def test_language_group(text: str, group: str) -> None:
    assert language_group(text) == group


def test_intent_scores_by_hand() -> None:
    gold = ["a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", FALLBACK, "c"]
    scores = intent_scores(gold, predicted)
    # a: tp 2, fp 0, fn 1 -> P 1, R 2/3, F1 0.8; b: tp 1, fp 1, fn 1 -> F1 0.5; c: F1 1.
    assert scores.per_intent["a"].f1 == pytest.approx(0.8)
    assert scores.per_intent["b"].precision == pytest.approx(0.5)
    assert scores.per_intent["b"].recall == pytest.approx(0.5)
    assert scores.per_intent["c"].f1 == pytest.approx(1.0)
    assert scores.macro_f1 == pytest.approx((0.8 + 0.5 + 1.0) / 3)
    assert scores.accuracy == pytest.approx(4 / 6)  # the fallback counts as wrong
    assert FALLBACK not in scores.per_intent
    assert scores.per_intent["a"].support == 3


def test_entity_scores_by_hand() -> None:
    gold = [
        [("part", "brakes"), ("date", "2026-11-20")],
        [("part", "cooling_system"), ("part", "cooling_system")],
        [],
    ]
    predicted = [
        [("part", "brakes"), ("date", "2026-11-21")],
        [("part", "cooling_system")],
        [("amount", "200")],
    ]
    scores = entity_scores(gold, predicted)
    # part: tp 2, fp 0, fn 1; date: tp 0, fp 1, fn 1; amount: tp 0, fp 1, fn 0; all: tp 2, fp 2, fn 2.
    assert scores["part"].precision == pytest.approx(1.0)
    assert scores["part"].recall == pytest.approx(2 / 3)
    assert scores["part"].f1 == pytest.approx(0.8)
    assert scores["date"].f1 == 0.0
    assert (scores["amount"].precision, scores["amount"].support) == (0.0, 0)
    assert scores["all"].precision == pytest.approx(0.5)
    assert scores["all"].recall == pytest.approx(0.5)
    assert scores["all"].support == 4


def test_predicted_entities_ignore_language_and_count_a_mention_once() -> None:
    entities = [
        {"entity": "language", "value": "zh", "start": 0, "end": 10},
        {"entity": "part", "value": "brakes", "start": 2, "end": 4, "extractor": "DIETClassifier"},
        {"entity": "part", "value": "brakes", "start": 2, "end": 5, "extractor": "DomainEntityExtractor"},
        {"entity": "part", "value": "brakes", "start": 8, "end": 10},
        {"entity": "amount", "value": 200.0, "start": 5, "end": 8},
    ]
    assert predicted_entities(entities) == (("part", "brakes"), ("part", "brakes"), ("amount", "200"))


def test_scores_per_group_and_targets() -> None:
    examples = [
        Example("你好", "greet"),
        Example("hello", "greet"),
        Example("hi 你好", "greet"),
        Example("謝謝", "thank"),
        Example("谢谢", "thank"),
    ]
    good = [Prediction(e.intent, 0.9, ()) for e in examples]
    bad = [*good[:3], Prediction("greet", 0.5, ()), good[4]]
    ours, stock = score(examples, good), score(examples, bad)
    assert ours.overall.macro_f1 == 1.0
    assert stock.groups[TRADITIONAL].accuracy == 0.0
    assert stock.groups[ZH].count == 2
    assert stock.confusions == [("thank", "greet", 1)]
    assert [t.met for t in check_targets(ours, stock)] == [True, True, True, True]
    assert [t.met for t in check_targets(stock, ours)] == [False, False, True, False]


def test_confusion_counts_add_predicted_only_labels() -> None:
    labels, matrix = confusion_counts(["a", "b"], ["a", FALLBACK])
    assert labels == ["a", "b", FALLBACK]
    assert matrix == [[1, 0, 0], [0, 0, 1], [0, 0, 0]]


def test_heldout_macro_f1(trained_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Acceptance: our model's macro-F1 on the held-out file is at least 0.95."""
    monkeypatch.setenv("BOT_TODAY", HOLDOUT_TODAY)
    examples = load_examples()
    scores = score(examples, predict(trained_model, [e.text for e in examples]))
    worst = sorted(scores.overall.per_intent.items(), key=lambda item: item[1].f1)[:5]
    assert scores.overall.macro_f1 >= MIN_MACRO_F1, {k: round(v.f1, 3) for k, v in worst}

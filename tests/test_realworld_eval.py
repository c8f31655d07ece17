"""Real-text evaluation: label mapping, per-file scores, end-to-end figures; clarifier and narrative rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.evaluation.categories import narrative_categories, nhtsa_categories, title_categories
from bot.evaluation.realworld import RealComplaint, load_file, real_files, sample
from bot.evaluation.realworld_intake import IntakeOutcome, summarise
from bot.evaluation.realworld_scoring import real_targets, score_real
from bot.nlu.complaint_clarifier import COMPLAINT_UNSURE, ComplaintClarifier, complaint_like
from bot.nlu.lexicon_featurizer import LEXICON_CLASSES
from bot.nlu.narrative import narrative_size, salient_words, sentence_spans
from bot.nlu.segmenter import Word


@pytest.mark.parametrize(
    ("label", "text", "expected"),
    [
        ("B20,", "变速箱顿挫", {"product_defect"}),
        ("H155,M279", "车机黑屏", {"product_defect"}),
        ("H101,I294", "空调故障厂家未回复", {"product_defect", "staff_complaint"}),
        ("A1", "发动机维修后仍抖动", {"product_defect", "repair_complaint"}),
        ("K307", "收取上牌费", {"pricing_dispute"}),
        ("J1,L2", "修不好还不兑现", {"repair_complaint", "staff_complaint"}),
        ("M279", "虚假宣传", None),
    ],
)
def test_title_codes_map_to_categories(label: str, text: str, expected: set[str] | None) -> None:
    found = title_categories(label, text)
    assert (found if found is None else set(found)) == expected


def test_narrative_and_nhtsa_labels_map_to_categories() -> None:
    assert narrative_categories("传动系/异响", "开车有异响") == {"product_defect"}
    assert narrative_categories("服务态度/故意拖延", "") == {"staff_complaint"}
    assert narrative_categories("服务收费/乱收费", "") == {"pricing_dispute"}
    assert narrative_categories("人员技术/维修技术差", "") == {"repair_complaint"}
    assert narrative_categories("销售欺诈/其他", "") is None
    assert nhtsa_categories("POWER TRAIN", "THE VEHICLE STALLED") == {"product_defect"}
    assert nhtsa_categories("ENGINE", "THE DEALER REPLACED THE PUMP") == {
        "product_defect",
        "repair_complaint",
    }


def _row(acceptable: set[str] | None, name: str = "zh_titles") -> RealComplaint:
    """A made-up row."""
    return RealComplaint(name, "1", "text", "X", frozenset(acceptable) if acceptable is not None else None)


def test_scores_per_file_and_targets() -> None:
    rows = [_row({"product_defect"}), _row({"product_defect"}), _row({"staff_complaint"}), _row(None)]
    scores = score_real(rows, ["product_defect", "repair_complaint", "greet", "product_defect"])
    assert (scores.count, scores.recognised, scores.mapped, scores.acceptable) == (4, 3, 3, 1)
    assert scores.rest == [("greet", 1)]
    assert [t.met for t in real_targets("zh_titles", scores)] == [False, False]
    perfect = score_real(rows[:2], ["product_defect", "product_defect"])
    assert [t.met for t in real_targets("en_nhtsa", perfect)] == [True, True]


def test_end_to_end_figures() -> None:
    outcomes = [
        IntakeOutcome(_row({"product_defect"}), "product_defect", 3),
        IntakeOutcome(_row({"product_defect"}), "staff_complaint", 5),
        IntakeOutcome(_row({"staff_complaint"}), None, 12),
    ]
    figures = summarise(outcomes)
    assert (figures.count, figures.ticketed, figures.mapped, figures.acceptable) == (3, 2, 3, 1)
    assert figures.median_turns == 4


def test_real_files_are_read_when_present(tmp_path: Path) -> None:
    assert real_files(tmp_path / "missing") == []
    (tmp_path / "zh_titles.tsv").write_text(
        "id\tdate\tsource\ttext\tlabel\n1\t2020-06-15\tsite\t速腾轮胎开裂\tF1,\n2\t2020-06-15\tsite\t\tA1\n",
        "utf-8",
    )
    rows = load_file(real_files(tmp_path)[0])
    assert [(r.text, r.acceptable) for r in rows] == [("速腾轮胎开裂", frozenset({"product_defect"}))]
    assert sample(rows * 5, 2) == sample(rows * 5, 2)


def _clarified(intent: str, confidence: float, classes: list[str]) -> str:
    """The intent after the clarifier."""
    message = Message(
        {TEXT: "x", INTENT: {"name": intent, "confidence": confidence}, LEXICON_CLASSES: classes}
    )
    ComplaintClarifier().process([message])
    return message.get(INTENT)["name"]


def test_clarifier_asks_instead_of_guessing_small_talk() -> None:
    assert complaint_like({"brand", "model", "part", "symptom"})
    assert not complaint_like({"brand", "model"})
    assert _clarified("greet", 0.9, ["brand", "model", "part", "symptom"]) == COMPLAINT_UNSURE
    assert _clarified("nlu_fallback", 0.3, ["part", "symptom"]) == COMPLAINT_UNSURE
    assert _clarified("greet", 0.9, ["brand"]) == "greet"
    assert _clarified("product_defect", 0.9, ["part", "symptom"]) == "product_defect"
    assert _clarified("inform", 0.9, ["part", "symptom"]) == "inform"  # the dialogue routes details


def test_roadside_needs_a_confident_live_request() -> None:
    assert _clarified("roadside_assistance", 0.95, ["now", "part", "symptom"]) == "roadside_assistance"
    assert _clarified("roadside_assistance", 0.5, []) == "nlu_fallback"
    assert _clarified("roadside_assistance", 0.5, ["part", "symptom"]) == COMPLAINT_UNSURE
    assert _clarified("roadside_assistance", 0.95, ["past", "part", "symptom"]) == COMPLAINT_UNSURE


STORY = "去年买的车，开了一万公里变速箱就一直异响，去店里检查了三次都说正常，打了客服电话到现在也没有人联系我"
RANKING = [
    {"name": "check_ticket_status", "confidence": 0.6},
    {"name": "request_human", "confidence": 0.2},
    {"name": "repair_complaint", "confidence": 0.15},
    {"name": "product_defect", "confidence": 0.05},
]


def _story(text: str, intent: str, classes: list[str]) -> str:
    """The intent after the clarifier for a message with a full ranking."""
    message = Message(
        {
            TEXT: text,
            INTENT: {"name": intent, "confidence": 0.6},
            "intent_ranking": RANKING,
            LEXICON_CLASSES: classes,
        }
    )
    ComplaintClarifier().process([message])
    return message.get(INTENT)["name"]


def test_a_long_story_of_a_fault_is_the_complaint_ranked_highest() -> None:
    fault = ["part", "symptom", "visit", "past"]
    assert narrative_size(STORY) >= 20
    assert narrative_size("THE CONTACT OWNS A 2015 PASSAT") == 5  # words, not numbers
    # Waiting for news or calling customer service inside a story of a fault: a complaint, not a status check.
    assert _story(STORY, "check_ticket_status", fault) == "repair_complaint"
    assert _story(STORY, "request_human", fault) == "repair_complaint"
    assert _story(STORY, "inform", fault) == "repair_complaint"
    # Short messages keep their reading; so do long ones that tell no fault, and praise of a fault put right.
    assert _story("变速箱异响，进度怎么样了", "check_ticket_status", fault) == "check_ticket_status"
    assert _story(STORY, "check_ticket_status", ["visit", "past"]) == "check_ticket_status"
    praise = "王师傅特别耐心，上次空调异响的问题跑了好几家店都没解决，这次在你们店一次就修好了，非常感谢"
    assert _story(praise, "compliment", fault) == "compliment"
    assert _story(STORY, "maintenance_question", fault) == "maintenance_question"


def test_a_bill_dispute_names_money_and_roadside_needs_a_request_for_now() -> None:
    pricing = [{"name": "pricing_dispute", "confidence": 0.7}, {"name": "product_defect", "confidence": 0.3}]
    roadside = [
        {"name": "roadside_assistance", "confidence": 0.9},
        {"name": "product_defect", "confidence": 0.1},
    ]

    def clarified(text: str, ranking: list[dict[str, object]], classes: list[str]) -> str:
        message = Message(
            {TEXT: text, INTENT: dict(ranking[0]), "intent_ranking": ranking, LEXICON_CLASSES: classes}
        )
        ComplaintClarifier().process([message])
        return message.get(INTENT)["name"]

    assert clarified("底盘异响，刚过质保", pricing, ["part", "symptom"]) == "product_defect"
    assert clarified("报价200元结果收了1000", pricing, ["money"]) == "pricing_dispute"
    assert clarified("车门锁不上", roadside, ["part", "symptom"]) == "product_defect"
    assert clarified("我现在在高速上熄火了", roadside, ["now", "symptom"]) == "roadside_assistance"


def test_long_narratives_keep_the_sentences_that_state_the_problem() -> None:
    text = "我去年买的车。天气很好。后来变速箱异响。我们去吃饭了。"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "我去年买的车。",
        "天气很好。",
        "后来变速箱异响。",
        "我们去吃饭了。",
    ]
    words = [Word(m.group(), m.start(), m.end()) for m in re.finditer(r"[^。]", text)]
    kept = "".join(w.text for w in salient_words(text, words, re.compile("变速箱|异响"), budget=14))
    assert kept == "我去年买的车后来变速箱异响"
    assert salient_words(text, words[:5], re.compile("x"), budget=14) == words[:5]

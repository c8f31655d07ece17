"""`bot eval`: trains both models if needed, parses the held-out file, prints and saves the figures."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bot.evaluation.confusion import plot_confusion
from bot.evaluation.holdout import HOLDOUT_PATH, HOLDOUT_TODAY, Example, load_examples
from bot.evaluation.language_group import GROUPS, language_group
from bot.evaluation.predict import Prediction, predict
from bot.evaluation.realworld import REALWORLD_DIR, RealComplaint, load_file, real_files, sample
from bot.evaluation.realworld_intake import run_real_intakes, summarise
from bot.evaluation.realworld_render import intake_table, real_table, rest_lines
from bot.evaluation.realworld_scoring import RealScores, intake_targets, real_targets, score_real
from bot.evaluation.render import (
    confusion_lines,
    entity_table,
    intent_table,
    per_intent_table,
    target_lines,
)
from bot.evaluation.scoring import ModelScores, score
from bot.evaluation.targets import check_targets
from bot.runtime.settings import PROJECT_ROOT, load_settings
from bot.runtime.training import MODEL_PREFIX, ensure_model

STOCK_CONFIG = PROJECT_ROOT / "config.stock.yml"
STOCK_PREFIX = "stock"
REPORTS_DIR = PROJECT_ROOT / "reports"
JSON_PATH = REPORTS_DIR / "nlu_eval.json"
CONFUSION_PATH = REPORTS_DIR / "nlu_confusion_ours.png"


def _prefix(args: argparse.Namespace | None) -> str:
    """Model file prefix: NLU-only models are kept apart from the full ones `make run` uses."""
    return "nlu" if getattr(args, "nlu_only", False) else MODEL_PREFIX


def _relative(path: Path) -> str:
    """A path relative to the project when it is inside it."""
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def _errors(examples: list[Example], predictions: list[Prediction]) -> list[dict[str, object]]:
    """The misclassified examples, for whoever improves the training data."""
    return [
        {
            "text": e.text,
            "group": language_group(e.text),
            "gold": e.intent,
            "predicted": p.intent,
            "confidence": round(p.confidence, 3),
        }
        for e, p in zip(examples, predictions, strict=True)
        if e.intent != p.intent
    ]


def evaluate(model: Path, examples: list[Example]) -> tuple[list[Prediction], ModelScores, float]:
    """Parse every example with the model; the predictions, their scores and the parse time in seconds."""
    started = time.monotonic()
    predictions = predict(model, [e.text for e in examples])
    return predictions, score(examples, predictions), time.monotonic() - started


def _real_sets(size: int | None) -> dict[str, list[RealComplaint]]:
    """The real complaint files (a sample of `size` rows of each when given)."""
    return {path.stem: sample(load_file(path), size) for path in real_files(REALWORLD_DIR)}


def _real_scores(
    model: Path, sets: dict[str, list[RealComplaint]]
) -> tuple[dict[str, RealScores], dict[str, list[str]], float]:
    """One model on every real file: scores and predicted intents per file, and the parse time."""
    started = time.monotonic()
    texts = [row.text for rows in sets.values() for row in rows]
    intents = iter([p.intent for p in predict(model, texts)])
    predicted = {name: [next(intents) for _ in rows] for name, rows in sets.items()}
    scores = {name: score_real(rows, predicted[name]) for name, rows in sets.items()}
    return scores, predicted, time.monotonic() - started


def _real_section(
    ours_model: Path, stock_model: Path, size: int | None
) -> tuple[list[str], list, dict[str, object]]:
    """Lines, targets and JSON of the real-text evaluation (or a note when the directory is missing)."""
    sets = _real_sets(size)
    if not sets:
        note = f"Real complaint text: {REALWORLD_DIR} has no .tsv files; real-text figures skipped."
        return [note], [], {"directory": str(REALWORLD_DIR), "found": False}
    ours, ours_predicted, ours_s = _real_scores(ours_model, sets)
    stock, _, stock_s = _real_scores(stock_model, sets)
    pairs = {name: (ours[name], stock[name]) for name in sets}
    sampled = f", a sample of {size} rows per file" if size else ""
    lines = [
        f"Real complaint text (evaluation only, never trained on): {REALWORLD_DIR}{sampled}; "
        f"parsed in {ours_s:.0f} s (ours), {stock_s:.0f} s (stock)",
        *real_table(pairs),
        "",
        *rest_lines(pairs),
    ]
    targets = [t for name in sets for t in real_targets(name, ours[name])]
    misses = {
        name: [
            {"text": row.text[:300], "label": row.label, "predicted": intent}
            for row, intent in zip(rows, ours_predicted[name], strict=True)
            if row.acceptable is not None and intent not in row.acceptable
        ]
        for name, rows in sets.items()
    }
    report = {
        "directory": str(REALWORLD_DIR),
        "found": True,
        "sample_per_file": size,
        "files": {name: {"ours": o.as_dict(), "stock": s.as_dict()} for name, (o, s) in pairs.items()},
        "misses_ours": misses,
    }
    return lines, targets, report


def _intake_section(model: Path, size: int) -> tuple[list[str], list, dict[str, object]]:
    """Lines, targets and JSON of the end-to-end run of `size` real openings per file."""
    sets = _real_sets(size)
    if not sets:
        return [], [], {}
    print(f"Playing {size} real openings per file end to end over the web channel...", flush=True)
    started = time.monotonic()
    try:
        outcomes = run_real_intakes(model, sets)
    except (TimeoutError, RuntimeError) as error:  # a busy machine: report it, keep the other figures
        return [f"End to end: not measured, the servers did not start ({error})"], [], {"error": str(error)}
    figures = {name: summarise(rows) for name, rows in outcomes.items()}
    lines = [*intake_table(figures), f"  ({time.monotonic() - started:.0f} s)"]
    targets = [t for name, f in figures.items() for t in intake_targets(name, f)]
    report = {
        name: {
            **figures[name].as_dict(),
            "conversations": [
                {
                    "label": o.complaint.label,
                    "category": o.category,
                    "turns": o.turns,
                    "transcript": o.transcript,
                }
                for o in rows
            ],
        }
        for name, rows in outcomes.items()
    }
    return lines, targets, report


def main(args: argparse.Namespace | None = None) -> int:
    """Evaluate our model and the stock recipe on the held-out file; print and save the figures."""
    os.environ["BOT_TODAY"] = HOLDOUT_TODAY  # the held-out dates are written relative to this day
    holdout = Path(getattr(args, "holdout", None) or HOLDOUT_PATH)
    models_dir = load_settings().models_dir
    print("Training (if needed) our model and the stock-recipe model...", flush=True)
    nlu_only = bool(getattr(args, "nlu_only", False))
    ours_model = ensure_model(models_dir, nlu_only=nlu_only, prefix=_prefix(args))
    stock_model = ensure_model(models_dir, config=STOCK_CONFIG, prefix=STOCK_PREFIX, nlu_only=True)
    examples = load_examples(holdout)
    ours_predictions, ours, ours_s = evaluate(ours_model, examples)
    _, stock, stock_s = evaluate(stock_model, examples)
    targets = check_targets(ours, stock)
    real_lines, real_target_list, real_report = _real_section(
        ours_model, stock_model, getattr(args, "real_sample", None)
    )
    targets += real_target_list
    e2e_size = getattr(args, "e2e", None)
    intake_lines: list[str] = []
    intake_report: dict[str, object] = {}
    if e2e_size and nlu_only:
        intake_lines = ["End to end: skipped (needs the full model, not --nlu-only)"]
    elif e2e_size:
        intake_lines, intake_targets_list, intake_report = _intake_section(ours_model, e2e_size)
        targets += intake_targets_list

    sizes = {g: ours.groups[g].count for g in GROUPS}
    lines = [
        "",
        f"Held-out NLU evaluation: {_relative(holdout)}, {len(examples)} examples "
        f"({', '.join(f'{g} {n}' for g, n in sizes.items())}), BOT_TODAY={HOLDOUT_TODAY}",
        f"  ours:  {_relative(ours_model)}  (config.yml; parsed in {ours_s:.1f} s)",
        f"  stock: {_relative(stock_model)}  (config.stock.yml, JiebaTokenizer; parsed in {stock_s:.1f} s)",
        "",
        *intent_table(ours, stock),
        "",
        *per_intent_table(ours, stock),
        "",
        *entity_table(ours, stock),
        "",
        *confusion_lines(ours),
        "",
        *real_lines,
        "",
        *intake_lines,
        "",
        *target_lines(targets),
    ]
    REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    gold = [e.intent for e in examples]
    plot_confusion(
        gold, [p.intent for p in ours_predictions], CONFUSION_PATH, f"Held-out intents, {ours_model.name}"
    )
    report = {
        "holdout": _relative(holdout),
        "today": HOLDOUT_TODAY,
        "examples": len(examples),
        "group_sizes": sizes,
        "models": {
            "ours": {"model": _relative(ours_model), "parse_seconds": ours_s, **ours.as_dict()},
            "stock": {"model": _relative(stock_model), "parse_seconds": stock_s, **stock.as_dict()},
        },
        "targets": [t.as_dict() for t in targets],
        "errors_ours": _errors(examples, ours_predictions),
        "realworld": real_report,
        "realworld_end_to_end": intake_report,
    }
    JSON_PATH.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    lines += ["", f"Wrote {_relative(JSON_PATH)} and {_relative(CONFUSION_PATH)}"]
    print("\n".join(lines), flush=True)
    from bot.analytics.evaluation import main as early_warning_evaluation  # its own section (issue 10)

    early_warning_evaluation()
    return 0

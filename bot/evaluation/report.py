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
from bot.runtime.training import ensure_model

STOCK_CONFIG = PROJECT_ROOT / "config.stock.yml"
STOCK_PREFIX = "stock"
REPORTS_DIR = PROJECT_ROOT / "reports"
JSON_PATH = REPORTS_DIR / "nlu_eval.json"
CONFUSION_PATH = REPORTS_DIR / "nlu_confusion_ours.png"


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


def main(args: argparse.Namespace | None = None) -> int:
    """Evaluate our model and the stock recipe on the held-out file; print and save the figures."""
    os.environ["BOT_TODAY"] = HOLDOUT_TODAY  # the held-out dates are written relative to this day
    holdout = Path(getattr(args, "holdout", None) or HOLDOUT_PATH)
    models_dir = load_settings().models_dir
    print("Training (if needed) our model and the stock-recipe model...", flush=True)
    ours_model = ensure_model(models_dir)
    stock_model = ensure_model(models_dir, config=STOCK_CONFIG, prefix=STOCK_PREFIX, nlu_only=True)
    examples = load_examples(holdout)
    ours_predictions, ours, ours_s = evaluate(ours_model, examples)
    _, stock, stock_s = evaluate(stock_model, examples)
    targets = check_targets(ours, stock)

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
    }
    JSON_PATH.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    lines += ["", f"Wrote {_relative(JSON_PATH)} and {_relative(CONFUSION_PATH)}"]
    print("\n".join(lines), flush=True)
    from bot.analytics.evaluation import main as early_warning_evaluation  # its own section (issue 10)

    early_warning_evaluation()
    return 0

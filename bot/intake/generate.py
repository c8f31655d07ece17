"""Writes the per-form domain and rules from the intake spec: `python -m bot.intake.generate [--check]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.constants import Intent, Slot
from bot.intake.spec import (
    CATEGORIES,
    DETAILS,
    DIGRESSIONS,
    FORMLESS_LABELS,
    NOT_AN_ANSWER,
    QUESTION_GROUPS,
    IntakeCategory,
)

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_FILE = ROOT / "domain" / "intake_forms.generated.yml"
RULES_FILE = ROOT / "data" / "intake_rules.generated.yml"
HEADER = (
    "# GENERATED from bot/intake/spec.py by `python -m bot.intake.generate`; do not edit by hand.\n# {what}\n"
)
_LANGUAGE_EN = [{"type": "slot", "name": Slot.LANGUAGE.value, "value": "en"}]


def _forms_asking(slot: Slot) -> list[str]:
    """Forms that ask for `slot`, in spec order."""
    return [category.form for category in CATEGORIES if slot in category.details]


def _asked(slot: Slot) -> list[dict[str, str]]:
    """Mapping conditions: while any form that asks for `slot` is asking for it."""
    return [{"active_loop": form, "requested_slot": slot.value} for form in _forms_asking(slot)]


def slot_mappings(slot: Slot) -> list[dict[str, Any]]:
    """The slot mappings of one detail: its entity anywhere, unroled entity and free text when asked."""
    detail = DETAILS[slot]
    mappings: list[dict[str, Any]] = []
    if detail.entity:
        mapping: dict[str, Any] = {"type": "from_entity", "entity": detail.entity.value}
        if detail.role:
            mapping["role"] = detail.role.value
        mappings.append(mapping)
    asked = _asked(slot)
    if detail.entity and detail.entity_when_asked and asked:
        mappings.append({"type": "from_entity", "entity": detail.entity.value, "conditions": asked})
    if detail.free_text and asked:
        mappings.append({"type": "from_text", "not_intent": list(NOT_AN_ANSWER), "conditions": asked})
    return mappings


def _response(zh: str, en: str) -> list[dict[str, Any]]:
    """A bilingual response: English on the language slot, Chinese by default."""
    return [{"condition": _LANGUAGE_EN, "text": en}, {"text": zh}]


def ask_actions() -> list[str]:
    """Actions asking a grouped detail: the group's question, or the detail alone once others are known."""
    return [f"action_ask_{slot.value}" for group in QUESTION_GROUPS for slot in group.slots]


def domain_document() -> dict[str, Any]:
    """The generated domain part: category intents, detail slots, forms, validators, questions, labels."""
    labels = {c.name: (c.label_zh, c.label_en) for c in CATEGORIES} | FORMLESS_LABELS
    questions = {group.response: _response(group.question_zh, group.question_en) for group in QUESTION_GROUPS}
    return {
        "version": "3.1",
        "intents": [category.name for category in CATEGORIES],
        "actions": [*(f"validate_{category.form}" for category in CATEGORIES), *ask_actions()],
        "slots": {
            slot.value: {
                "type": "text",
                "influence_conversation": False,
                "mappings": slot_mappings(slot),
            }
            for slot in DETAILS
        },
        "forms": {
            category.form: {"required_slots": [slot.value for slot in category.details]}
            for category in CATEGORIES
        },
        "responses": {
            **questions,
            **{f"utter_label_category_{name}": _response(zh, en) for name, (zh, en) in labels.items()},
        },
    }


def _form_rules(category: IntakeCategory) -> list[dict[str, Any]]:
    """Opening, completion, cancelling and digressions of one form."""
    form = category.form
    inside = [{"active_loop": form}]
    resume = [{"action": form}, {"active_loop": form}]
    rules: list[dict[str, Any]] = [
        {
            "rule": f"{category.name} opens its form",
            "steps": [{"intent": category.name}, {"action": category.opened_by}, *resume],
        },
        {
            "rule": f"{form} complete -> {category.completed_by}",
            "condition": inside,
            "steps": [
                {"action": form},
                {"active_loop": None},
                {"slot_was_set": [{"requested_slot": None}]},
                {"action": category.completed_by},
            ],
        },
        {
            "rule": f"cancel inside {form} asks first",
            "condition": inside,
            "steps": [{"intent": Intent.DENY.value}, {"action": "utter_ask_confirm_cancel"}],
        },
        {
            "rule": f"cancel inside {form} confirmed",
            "condition": inside,
            "steps": [
                {"action": "utter_ask_confirm_cancel"},
                {"intent": Intent.AFFIRM.value},
                {"action": "action_deactivate_loop"},
                {"active_loop": None},
                {"action": "action_cancel_intake"},
            ],
        },
        {
            "rule": f"cancel inside {form} withdrawn",
            "condition": inside,
            "steps": [
                {"action": "utter_ask_confirm_cancel"},
                {"intent": Intent.DENY.value},
                {"action": "utter_continue_intake"},
                *resume,
            ],
        },
    ]
    for intent, action in DIGRESSIONS.items():
        rules.append(
            {
                "rule": f"{intent} inside {form} is answered, then the form resumes",
                "condition": inside,
                "steps": [{"intent": intent}, {"action": action}, *resume],
            }
        )
    return rules


def rules_document() -> dict[str, Any]:
    """The generated rules: every intake form's opening, completion, cancel and digressions."""
    return {"version": "3.1", "rules": [rule for c in CATEGORIES for rule in _form_rules(c)]}


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated steps out in full (no YAML anchors), as a reader of the rules expects."""

    def ignore_aliases(self, data: Any) -> bool:
        """Never use an alias."""
        return True


def render(document: dict[str, Any], what: str) -> str:
    """YAML text of a generated file, with its header."""
    body = yaml.dump(
        document,
        Dumper=_PlainDumper,
        allow_unicode=True,
        sort_keys=False,
        width=110,
        default_flow_style=False,
    )
    return HEADER.format(what=what) + body


def outputs() -> dict[Path, str]:
    """Every generated file and its content."""
    return {
        DOMAIN_FILE: render(domain_document(), "Intake slots, forms, form validators and category labels."),
        RULES_FILE: render(rules_document(), "Rules of every intake form (hand-written rules: rules.yml)."),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Write the generated files, or with --check report whether they are up to date."""
    parser = argparse.ArgumentParser(prog="python -m bot.intake.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is out of date")
    args = parser.parse_args(argv)
    stale = [path for path, text in outputs().items() if not path.exists() or path.read_text("utf-8") != text]
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}")
        return 1 if stale else 0
    for path in stale:
        path.write_text(outputs()[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

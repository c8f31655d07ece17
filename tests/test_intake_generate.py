"""The intake is defined once: the checked-in domain and rules are what the spec generates."""

from __future__ import annotations

import dataclasses

import pytest
import yaml

from bot.constants import Slot
from bot.intake import generate
from bot.intake.spec import CATEGORIES, IntakeCategory


def test_regenerating_changes_nothing() -> None:
    for path, text in generate.outputs().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run python -m bot.intake.generate"
        )


def test_generated_files_say_they_are_generated() -> None:
    for path in generate.outputs():
        assert path.read_text(encoding="utf-8").startswith("# GENERATED from bot/intake/spec.py")


def test_every_category_has_its_form_rules_and_label() -> None:
    domain = yaml.safe_load(generate.outputs()[generate.DOMAIN_FILE])
    rules = yaml.safe_load(generate.outputs()[generate.RULES_FILE])["rules"]
    for category in CATEGORIES:
        assert domain["forms"][category.form]["required_slots"] == [s.value for s in category.details]
        assert f"utter_label_category_{category.name}" in domain["responses"]
        assert f"validate_{category.form}" in domain["actions"]
        names = [
            rule["rule"] for rule in rules if category.form in rule["rule"] or category.name in rule["rule"]
        ]
        assert len(names) == 7, names  # open, complete, cancel x3, two digressions


def test_adding_a_category_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    warranty = IntakeCategory(
        "warranty_claim",
        (Slot.DESCRIPTION, Slot.VEHICLE_MODEL, Slot.VIN, Slot.PHONE),
        "保修索赔",
        "warranty claim",
    )
    monkeypatch.setattr(generate, "CATEGORIES", (*CATEGORIES, warranty))
    domain = generate.domain_document()
    rules = generate.rules_document()["rules"]
    assert "warranty_claim" in domain["intents"]
    assert domain["forms"]["warranty_claim_form"]["required_slots"] == [
        "description",
        "vehicle_model",
        "vin",
        "phone",
    ]
    vin_asked = domain["slots"]["vin"]["mappings"][-1]["conditions"]
    assert {"active_loop": "warranty_claim_form", "requested_slot": "vin"} in vin_asked
    assert any(r["rule"] == "warranty_claim opens its form" for r in rules)
    assert dataclasses.replace(warranty, name="x").form == "x_form"

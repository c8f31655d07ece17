"""Intake rules without a server: secondary category, single-field corrections, priority."""

from __future__ import annotations

import pytest

from bot.constants import Category, Priority, Slot
from bot.intake.corrections import correction_from_text
from bot.intake.secondary import evident_category, secondary_category
from bot.tickets.priority import priority_for


@pytest.mark.parametrize(
    ("primary", "text", "quoted", "charged", "expected"),
    [
        # The blower case from either side.
        (
            "repair_complaint",
            "鼓风机修了两次还是响,报价200结果收了1000",
            None,
            None,
            Category.PRICING_DISPUTE,
        ),
        (
            "pricing_dispute",
            "帕萨特在成都南4S店修空调,报价200结果收了1000",
            None,
            None,
            Category.REPAIR_COMPLAINT,
        ),
        (
            "pricing_dispute",
            "my AC was repaired, quoted 200 but charged 1000",
            None,
            None,
            Category.REPAIR_COMPLAINT,
        ),
        # A quote/charge difference found in later answers counts too.
        ("repair_complaint", "空调没修好", "200", "1000", Category.PRICING_DISPUTE),
        ("staff_complaint", "the advisor was rude and never called back", None, None, None),
        ("product_defect", "新买的迈腾变速箱顿挫", None, None, None),
        ("compliment", "王师傅修得好,收费也合理", None, None, None),
    ],
)
def test_secondary_category(
    primary: str, text: str, quoted: str | None, charged: str | None, expected: Category | None
) -> None:
    assert secondary_category(primary, text, quoted, charged) == expected


# Phones, models, dates and amounts are corrected through their entities (the slot mappings);
# this parser covers the free-text details no extractor recognises by shape.
@pytest.mark.parametrize(
    ("text", "slot", "value"),
    [
        ("名字错了,是张伟", Slot.CUSTOMER_NAME, "张伟"),
        ("the dealer is Chengdu South", Slot.DEALER, "Chengdu South"),
        ("地址应该是成都高新区天府三街", Slot.LOCATION, "成都高新区天府三街"),
    ],
)
def test_single_field_correction(text: str, slot: Slot, value: str) -> None:
    assert correction_from_text(text) == (slot, value)


def test_text_without_a_correction() -> None:
    assert correction_from_text("嗯") is None


@pytest.mark.parametrize(
    ("category", "text", "expected"),
    [
        (Category.ROADSIDE_ASSISTANCE, "爆胎了", Priority.URGENT),
        (Category.PRODUCT_DEFECT, "高速上刹车失灵", Priority.URGENT),
        (Category.PRODUCT_DEFECT, "仪表台冒烟了", Priority.URGENT),
        (Category.PRODUCT_DEFECT, "發動機艙起火", Priority.URGENT),  # Traditional
        (Category.PRODUCT_DEFECT, "the brakes failed on the highway", Priority.URGENT),
        (Category.REPAIR_COMPLAINT, "返修第三次了", Priority.HIGH),
        (Category.REPAIR_COMPLAINT, "the rattle came back again after the repair", Priority.HIGH),
        (Category.PRICING_DISPUTE, "报价200收了1000", Priority.NORMAL),
        (Category.PRODUCT_DEFECT, "the fireplace-shaped logo is peeling", Priority.NORMAL),
        (Category.COMPLIMENT, "事故救援很及时", Priority.LOW),
    ],
)
def test_priority_rules(category: Category, text: str, expected: Priority) -> None:
    assert priority_for(category.value, text) == expected


@pytest.mark.parametrize(
    ("text", "quoted", "charged", "expected"),
    [
        ("帕萨特上周五在成都南4S店修空调,报价200结果收了1000", "200", "1000", Category.PRICING_DISPUTE),
        ("Passat, Chengdu South, last Friday, the AC was repaired", None, None, Category.REPAIR_COMPLAINT),
        ("advisor was rude, 13812345678", None, None, Category.STAFF_COMPLAINT),
        ("帕萨特,13812345678", None, None, None),
    ],
)
def test_evident_category_of_a_details_only_message(
    text: str, quoted: str | None, charged: str | None, expected: Category | None
) -> None:
    assert evident_category(text, quoted, charged) == expected

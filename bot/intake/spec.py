"""The intake, defined once: each complaint category, the details its form asks, and how each detail fills.

`python -m bot.intake.generate` writes the per-form domain and rules from this spec. Adding a category is one
entry in CATEGORIES (plus its training examples).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.constants import AmountRole, Entity, Intent, Slot


@dataclass(frozen=True)
class Detail:
    """One detail an intake form can ask for.

    `entity` fills it from any message that mentions it (with `role` when the entity has roles);
    `entity_when_asked` also takes an entity without that role while the form asks for this detail;
    `free_text` takes the whole answer while the form asks (so validation can read or explain it).
    """

    slot: Slot
    entity: Entity | None = None
    role: AmountRole | None = None
    entity_when_asked: bool = False
    free_text: bool = True
    optional: bool = False


@dataclass(frozen=True)
class IntakeCategory:
    """A complaint category with its own form: the intent that opens it and the details it asks, in order."""

    name: str
    details: tuple[Slot, ...]
    label_zh: str
    label_en: str
    opened_by: str = "action_start_intake"
    completed_by: str = "action_show_summary"

    @property
    def form(self) -> str:
        """The form's name in the domain."""
        return f"{self.name}_form"


DETAILS: dict[Slot, Detail] = {
    detail.slot: detail
    for detail in (
        Detail(Slot.DESCRIPTION),
        Detail(Slot.VEHICLE_MODEL, Entity.VEHICLE_MODEL),
        Detail(Slot.PHONE, Entity.PHONE),
        Detail(Slot.CUSTOMER_NAME, optional=True),
        Detail(Slot.DEALER, Entity.DEALER, optional=True),
        Detail(Slot.SERVICE_DATE, Entity.DATE, optional=True),
        Detail(Slot.PART, Entity.PART, optional=True),
        Detail(Slot.QUOTED_AMOUNT, Entity.AMOUNT, AmountRole.QUOTED, entity_when_asked=True),
        Detail(Slot.CHARGED_AMOUNT, Entity.AMOUNT, AmountRole.CHARGED, entity_when_asked=True),
        Detail(Slot.MILEAGE, Entity.MILEAGE, optional=True),
        Detail(Slot.VIN, Entity.VIN, optional=True),
        Detail(Slot.LICENSE_PLATE, Entity.LICENSE_PLATE, optional=True),
        Detail(Slot.LOCATION),
    )
}

CATEGORIES: tuple[IntakeCategory, ...] = (
    IntakeCategory(
        "repair_complaint",
        (
            Slot.DESCRIPTION,
            Slot.VEHICLE_MODEL,
            Slot.PHONE,
            Slot.DEALER,
            Slot.SERVICE_DATE,
            Slot.PART,
            Slot.CUSTOMER_NAME,
        ),
        "维修质量",
        "repair quality",
    ),
    IntakeCategory(
        "pricing_dispute",
        (
            Slot.DESCRIPTION,
            Slot.VEHICLE_MODEL,
            Slot.PHONE,
            Slot.QUOTED_AMOUNT,
            Slot.CHARGED_AMOUNT,
            Slot.DEALER,
            Slot.SERVICE_DATE,
            Slot.CUSTOMER_NAME,
        ),
        "收费争议",
        "billing dispute",
    ),
    IntakeCategory(
        "product_defect",
        (
            Slot.DESCRIPTION,
            Slot.VEHICLE_MODEL,
            Slot.PHONE,
            Slot.PART,
            Slot.MILEAGE,
            Slot.VIN,
            Slot.CUSTOMER_NAME,
        ),
        "车辆质量",
        "vehicle defect",
    ),
    IntakeCategory(
        "staff_complaint",
        (
            Slot.DESCRIPTION,
            Slot.PHONE,
            Slot.DEALER,
            Slot.SERVICE_DATE,
            Slot.VEHICLE_MODEL,
            Slot.CUSTOMER_NAME,
        ),
        "服务态度",
        "staff conduct",
    ),
    IntakeCategory(
        "roadside_assistance",
        (Slot.LOCATION, Slot.PHONE, Slot.LICENSE_PLATE),
        "道路救援",
        "roadside assistance",
        opened_by="action_start_roadside",
        completed_by="action_file_ticket",
    ),
)

# Categories recorded without a form (their labels are generated with the others).
FORMLESS_LABELS: dict[str, tuple[str, str]] = {"compliment": ("表扬", "compliment")}

# Questions answered inside any form, after which the form resumes.
DIGRESSIONS: dict[str, str] = {
    Intent.MAINTENANCE_QUESTION.value: "action_answer_question",
    Intent.WARRANTY_QUESTION.value: "action_answer_question",
}
# Intents whose message is never taken as the answer to the form's question.
NOT_AN_ANSWER: tuple[str, ...] = (
    Intent.MAINTENANCE_QUESTION.value,
    Intent.WARRANTY_QUESTION.value,
    Intent.DENY.value,
    Intent.REQUEST_HUMAN.value,
    Intent.BOT_CHALLENGE.value,
    Intent.CHECK_TICKET_STATUS.value,
)


@dataclass(frozen=True)
class QuestionGroup:
    """Details a good agent asks in one question ("怎么称呼您,电话多少?"), in the order the form needs them.

    The question is asked when the form first needs any member; the answer fills every member it contains,
    and an optional member the answer leaves out is recorded as skipped, not asked again. A required member
    left out is asked again on its own.
    """

    slots: tuple[Slot, ...]
    question_zh: str
    question_en: str

    @property
    def response(self) -> str:
        """The name of the grouped question in the domain."""
        return "utter_ask_" + "_and_".join(slot.value for slot in self.slots)


QUESTION_GROUPS: tuple[QuestionGroup, ...] = (
    QuestionGroup(
        (Slot.VEHICLE_MODEL, Slot.PART),
        "请问您的车型是?涉及哪个部件?(例如“迈腾,空调”;部件不清楚可以不说)",
        'Which model is your car, and which part is involved? (e.g. "Passat, air conditioning"; '
        "leave the part out if you're not sure)",
    ),
    QuestionGroup(
        (Slot.PHONE, Slot.CUSTOMER_NAME),
        "请问怎么称呼您,联系电话是多少?方便专员回访您(例如“王先生 13812345678”)。",
        "How should we address you, and on which phone number can our customer-relations team call you back? "
        '(e.g. "Li Wei, 13812345678")',
    ),
    QuestionGroup(
        (Slot.QUOTED_AMOUNT, Slot.CHARGED_AMOUNT),
        "当时报价是多少钱,后来实际收了(或要求付)多少钱?(例如“报价200元,实际收了1000元”)",
        "How much were you quoted, and how much were you then charged or asked to pay? "
        '(e.g. "quoted 200, charged 1,000")',
    ),
    QuestionGroup(
        (Slot.DEALER, Slot.SERVICE_DATE),
        "是在哪家4S店/经销商,大概哪天的事?(例如“成都南4S店,上周五”;不清楚可以回复“跳过”)",
        'Which dealer or service station was it, and roughly when? (e.g. "Chengdu South 4S, last Friday"; '
        'or "skip")',
    ),
    QuestionGroup(
        (Slot.MILEAGE, Slot.VIN),
        "车辆目前行驶了多少公里?方便的话也请提供车架号(VIN,17位,在行驶证上)。(不清楚可以回复“跳过”)",
        "What is the car's mileage, and if you have it at hand, the VIN (17 characters, on the registration "
        'certificate)? (or "skip")',
    ),
)
GROUP_OF: dict[Slot, QuestionGroup] = {slot: group for group in QUESTION_GROUPS for slot in group.slots}

OPTIONAL_SLOTS: frozenset[Slot] = frozenset(d.slot for d in DETAILS.values() if d.optional)
FORM_OF: dict[str, str] = {category.name: category.form for category in CATEGORIES}
COMPLAINT_FORMS: dict[str, str] = {
    c.name: c.form for c in CATEGORIES if c.completed_by == "action_show_summary"
}


def category_named(name: str) -> IntakeCategory | None:
    """The intake category of this name, if there is one."""
    return next((category for category in CATEGORIES if category.name == name), None)

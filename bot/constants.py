"""Names shared by the NLU pipeline, the domain, the actions and the ticket store (one place for each)."""

from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    """A string enum whose members compare and format as their value."""

    def __str__(self) -> str:
        return str(self.value)


class Intent(StrEnum):
    """Intents of the NLU model; the same names are declared in domain.yml."""

    GREET = "greet"
    GOODBYE = "goodbye"
    AFFIRM = "affirm"
    DENY = "deny"
    THANK = "thank"
    REPAIR_COMPLAINT = "repair_complaint"
    PRICING_DISPUTE = "pricing_dispute"
    PRODUCT_DEFECT = "product_defect"
    STAFF_COMPLAINT = "staff_complaint"
    MAINTENANCE_QUESTION = "maintenance_question"
    WARRANTY_QUESTION = "warranty_question"
    ROADSIDE_ASSISTANCE = "roadside_assistance"
    REQUEST_HUMAN = "request_human"
    CHECK_TICKET_STATUS = "check_ticket_status"
    INFORM = "inform"
    OUT_OF_SCOPE = "out_of_scope"
    BOT_CHALLENGE = "bot_challenge"
    COMPLIMENT = "compliment"
    NLU_FALLBACK = "nlu_fallback"


class Entity(StrEnum):
    """Entities the pipeline extracts, with canonical (normalised) values."""

    VEHICLE_MODEL = "vehicle_model"
    PART = "part"
    AMOUNT = "amount"
    DATE = "date"
    PHONE = "phone"
    VIN = "vin"
    LICENSE_PLATE = "license_plate"
    TICKET_REF = "ticket_ref"
    DEALER = "dealer"
    MILEAGE = "mileage"
    LANGUAGE = "language"


class AmountRole(StrEnum):
    """Entity roles of `amount`: what the customer was quoted or what was charged."""

    QUOTED = "quoted"
    CHARGED = "charged"


class Language(StrEnum):
    """Languages the assistant answers in."""

    ZH = "zh"
    EN = "en"


class Slot(StrEnum):
    """Slots of the domain."""

    LANGUAGE = "language"
    CATEGORY = "category"
    SECONDARY_CATEGORY = "secondary_category"
    PHONE = "phone"
    VEHICLE_MODEL = "vehicle_model"
    DESCRIPTION = "description"
    CUSTOMER_NAME = "customer_name"
    DEALER = "dealer"
    SERVICE_DATE = "service_date"
    PART = "part"
    QUOTED_AMOUNT = "quoted_amount"
    CHARGED_AMOUNT = "charged_amount"
    VIN = "vin"
    LICENSE_PLATE = "license_plate"
    MILEAGE = "mileage"
    LOCATION = "location"
    TICKET_REF = "ticket_ref"
    STATUS_PHONE = "status_phone"
    SKIPPED_SLOTS = "skipped_slots"
    FAILED_ATTEMPTS = "failed_attempts"
    FILED_TICKET = "filed_ticket"


class Category(StrEnum):
    """Ticket categories; the complaint ones share their names with the intents that open them."""

    REPAIR_COMPLAINT = "repair_complaint"
    PRICING_DISPUTE = "pricing_dispute"
    PRODUCT_DEFECT = "product_defect"
    STAFF_COMPLAINT = "staff_complaint"
    ROADSIDE_ASSISTANCE = "roadside_assistance"
    COMPLIMENT = "compliment"
    # A case handed to an agent before (or without) a complaint intake: what is known so far.
    GENERAL = "general"


COMPLAINT_CATEGORIES: tuple[Category, ...] = (
    Category.REPAIR_COMPLAINT,
    Category.PRICING_DISPUTE,
    Category.PRODUCT_DEFECT,
    Category.STAFF_COMPLAINT,
)

# Categories with an intake form of the same name (`<category>_form`).
INTAKE_CATEGORIES: tuple[Category, ...] = (*COMPLAINT_CATEGORIES, Category.ROADSIDE_ASSISTANCE)


class TicketStatus(StrEnum):
    """Life cycle of a ticket."""

    OPEN = "open"
    WAITING_AGENT = "waiting_agent"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"


class Priority(StrEnum):
    """Ticket priority, set by rules at intake."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class Role(StrEnum):
    """Who said a line of a ticket transcript."""

    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"


MAX_MESSAGE_CHARS = 2000
TICKET_REF_PREFIX = "CMP"

"""Outreach list of an alert: customers on file with that model (or dealer), a message in their language."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.analytics.labels import label
from bot.analytics.models import Alert, AlertKind

TEMPLATES = {
    "zh": (
        "尊敬的{name}您好:我们注意到部分{model}车主反映{part}方面的问题。为保障您的用车安全与舒适,"
        "诚邀您近期预约到店免费检查,如有疑问请随时联系我们。一汽-大众客户关怀中心"
    ),
    "en": (
        "Dear {name}, some {model} owners have told us about problems with the {part}. To keep your car safe "
        "and comfortable, we invite you to book a free check at your dealer soon; contact us with any "
        "question. FAW-Volkswagen Customer Care"
    ),
}
DEALER_TEMPLATES = {
    "zh": "尊敬的{name}您好:感谢您选择{dealer}。我们正在复查该店近期的服务,"
    "如您对服务有任何意见,欢迎随时告诉我们。一汽-大众客户关怀中心",
    "en": "Dear {name}, thank you for choosing {dealer}. We are reviewing its recent service; "
    "if anything was not "
    "right, please tell us. FAW-Volkswagen Customer Care",
}
COLUMNS = ("customer_id", "name", "phone", "language", "message")


def message(alert: Alert, name: str | None, language: str) -> str:
    """The outreach message for one customer, in their language (Chinese when unknown)."""
    language = language if language in ("zh", "en") else "zh"
    fallback = "客户" if language == "zh" else "customer"
    if alert.kind == AlertKind.MODEL_PART:
        return TEMPLATES[language].format(
            name=name or fallback,
            model=label("vehicle_model", alert.vehicle_model, language),
            part=label("part", alert.part, language),
        )
    return DEALER_TEMPLATES[language].format(name=name or fallback, dealer=alert.dealer)


def outreach_csv(connection: Connection, alert: Alert) -> str:
    """CSV of every customer on file with a ticket about the alert's model (or at its dealer)."""
    column, value = (
        ("vehicle_model", alert.vehicle_model)
        if alert.kind == AlertKind.MODEL_PART
        else ("dealer", alert.dealer)
    )
    rows = connection.execute(
        text(
            f"""SELECT c.id, c.name, c.phone, c.language FROM customers c
WHERE c.id IN (SELECT t.customer_id FROM tickets t WHERE t.{column} = :v AND t.customer_id IS NOT NULL)
ORDER BY c.id"""
        ),
        {"v": value},
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.id,
                row.name or "",
                row.phone,
                row.language or "zh",
                message(alert, row.name, row.language or "zh"),
            ]
        )
    return buffer.getvalue()

"""Supervisor pages for a customer's personal data: download their copy, erase them (bot.privacy).

Plugged into the console's routes by `privacy_routes(page, supervisor_only, render, lang, database_url)`;
POSTs go through the console's CSRF check like every other form.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.handoff.models import Agent
from bot.privacy.export import export_customer
from bot.privacy.forget import forget_customer
from bot.privacy.subject import UnknownPhone, e164

Handler = Callable[[Request, Agent], Awaitable[Response]]
CONFIRM_WORD = "forget"

TEXTS: dict[str, dict[str, str]] = {
    "privacy": {"zh": "个人信息", "en": "Personal data"},
    "privacy_intro": {
        "zh": "按客户手机号导出其全部个人信息(JSON),或按客户要求删除其个人信息和对话内容。"
        "工单保留类别、车型、零件、日期和金额用于统计,并标记为已匿名化。每次操作都记入审计。",
        "en": "Download everything held about a customer (JSON) by phone number, or erase their personal "
        "data and conversations at their request. Tickets keep category, model, part, dates and amounts "
        "for statistics, marked as anonymised. Every action is audited.",
    },
    "phone": {"zh": "手机号", "en": "Phone number"},
    "export": {"zh": "导出 JSON", "en": "Download JSON"},
    "forget": {"zh": "删除个人信息", "en": "Erase personal data"},
    "confirm": {
        "zh": f"请输入 {CONFIRM_WORD} 以确认删除",
        "en": f"Type {CONFIRM_WORD} to confirm the erasure",
    },
    "not_confirmed": {"zh": "未确认,没有删除任何内容。", "en": "Not confirmed: nothing was erased."},
    "bad_phone": {"zh": "这不是有效的手机号。", "en": "That is not a valid phone number."},
    "forgotten": {
        "zh": "已删除:{tickets} 张工单已匿名化,{conversations} 段对话已删除。",
        "en": "Erased: {tickets} ticket(s) anonymised, {conversations} conversation(s) deleted.",
    },
}


def privacy_text(key: str, language: str, **values: Any) -> str:
    """One of this page's texts in the console language."""
    return TEXTS[key].get(language, TEXTS[key]["zh"]).format(**values)


def privacy_routes(
    page: Callable[[Handler], Callable[[Request], Awaitable[Response]]],
    supervisor_only: Callable[[Handler], Handler],
    render: Callable[..., Response],
    lang: Callable[..., str],
    database_url: str,
) -> list[Route]:
    """GET /privacy, POST /privacy/export and /privacy/forget, for supervisors only."""

    def flash(request: Request, message: str, kind: str = "info") -> None:
        # Assigned, not appended in place: the session only notices a changed key.
        request.session["flash"] = [*request.session.get("flash", []), {"kind": kind, "text": message}]

    async def privacy_page(request: Request, agent: Agent) -> Response:
        language = lang(request, agent)
        return render(
            request,
            "privacy.html",
            agent,
            pt=lambda key, **v: privacy_text(key, language, **v),
            confirm=CONFIRM_WORD,
        )

    async def phone_of(request: Request, agent: Agent) -> tuple[str | None, Any]:
        form = await request.form()
        try:
            return e164(str(form.get("phone") or "")), form
        except UnknownPhone:
            flash(request, privacy_text("bad_phone", lang(request, agent)), "error")
            return None, form

    async def export(request: Request, agent: Agent) -> Response:
        phone, _ = await phone_of(request, agent)
        if phone is None:
            return RedirectResponse("/privacy", status_code=303)
        document = await run_in_threadpool(export_customer, database_url, phone, f"console:{agent.username}")
        body = json.dumps(document, ensure_ascii=False, indent=2)
        disposition = f'attachment; filename="customer-{phone[-4:]}.json"'
        return Response(body, media_type="application/json", headers={"Content-Disposition": disposition})

    async def forget(request: Request, agent: Agent) -> Response:
        phone, form = await phone_of(request, agent)
        language = lang(request, agent)
        if phone is None:
            return RedirectResponse("/privacy", status_code=303)
        if str(form.get("confirm") or "").strip() != CONFIRM_WORD:
            flash(request, privacy_text("not_confirmed", language), "error")
            return RedirectResponse("/privacy", status_code=303)
        counts = await run_in_threadpool(forget_customer, database_url, phone, f"console:{agent.username}")
        flash(request, privacy_text("forgotten", language, **counts))
        return RedirectResponse("/privacy", status_code=303)

    return [
        Route("/privacy", page(supervisor_only(privacy_page)), methods=["GET"]),
        Route("/privacy/export", page(supervisor_only(export)), methods=["POST"]),
        Route("/privacy/forget", page(supervisor_only(forget)), methods=["POST"]),
    ]

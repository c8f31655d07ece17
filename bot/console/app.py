"""The agent console web app (Starlette): login, queue, ticket view, replies, resolution, live updates."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from asgi_csrf import asgi_csrf
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.console import guidance
from bot.console.delivery import RasaLink
from bot.console.live import ChangeFeed
from bot.console.passwords import hash_password, needs_rehash, verify_password
from bot.console.privacy_routes import privacy_routes
from bot.console.reports import report_routes
from bot.console.texts import label, language_of, text
from bot.console.throttle import minutes_blocked
from bot.constants import TicketStatus
from bot.db.column_types import utc_now
from bot.handoff.models import Agent, AgentRole
from bot.handoff.store import HandoffStore, TicketNotFound
from bot.tickets.draft import DETAIL_FIELDS
from bot.tickets.models import EventKind, Ticket
from bot.tickets.serialize import ticket_to_dict
from bot.tickets.store import EDITABLE_FIELDS

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
BEIJING = ZoneInfo("Asia/Shanghai")
SESSION_COOKIE = "console_session"
SESSION_MAX_AGE_S = 8 * 3600
MAX_REPLY_CHARS = 4000
# Images are shown inline; anything else is only offered as a download (never rendered on our origin).
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
SECURITY_HEADERS = {
    b"content-security-policy": (
        b"default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
    b"x-frame-options": b"DENY",
}


@dataclass(frozen=True)
class ConsoleConfig:
    """What the console needs to run."""

    database_url: str
    rasa_url: str
    session_secret: str
    secure_cookies: bool = False


class _SecurityHeaders:
    """Adds CSP and friends to every response (inline scripts never run: customer text stays inert)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS.items() if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _beijing(moment: dt.datetime | None) -> str:
    """A timestamp as agents read it: Beijing time to the second."""
    return moment.astimezone(BEIJING).strftime("%m-%d %H:%M:%S") if moment else "-"


def _environment() -> jinja2.Environment:
    """Jinja2 with autoescaping on for everything (customer-written text is shown escaped)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["beijing"] = _beijing
    return environment


def create_app(config: ConsoleConfig, store: HandoffStore | None = None) -> ASGIApp:
    """The console as an ASGI app (session, CSRF and security headers around the routes)."""
    store = store or HandoffStore(config.database_url)
    feed = ChangeFeed(store)
    link = RasaLink(config.rasa_url)
    templates = Jinja2Templates(env=_environment())

    # Helpers ------------------------------------------------------------------------------------------------

    async def current_agent(request: Request) -> Agent | None:
        """The logged-in, active agent of the session."""
        username = request.session.get("agent")
        if not username:
            return None
        agent = await run_in_threadpool(store.agent, username)
        if agent is None or not agent.active:
            request.session.clear()
            return None
        return agent

    def lang(request: Request, agent: Agent | None = None) -> str:
        """The console language of this session."""
        return language_of(request.session.get("lang") or (agent.language if agent else None))

    def flash(request: Request, message: str, kind: str = "info") -> None:
        """A message shown on the next page."""
        request.session.setdefault("flash", []).append({"kind": kind, "text": message})

    def render(request: Request, name: str, agent: Agent | None, status_code: int = 200, **context: Any):  # type: ignore[no-untyped-def]
        """Render a template with the helpers every page uses."""
        language = lang(request, agent)
        messages = request.session.pop("flash", []) if "session" in request.scope else []
        csrf = request.scope.get("csrftoken")
        return templates.TemplateResponse(
            request,
            name,
            {
                "agent": agent,
                "lang": language,
                "t": lambda key, **values: text(key, language, **values),
                "label": lambda dimension, value: label(dimension, value, language),
                "csrf_token": csrf() if csrf else "",
                "flashes": messages,
                "now": utc_now(),
                **context,
            },
            status_code=status_code,
        )

    def page(
        handler: Callable[[Request, Agent], Awaitable[Response]], *, api: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        """An endpoint for logged-in agents: pages send others to the login page, APIs answer 401."""

        async def endpoint(request: Request) -> Response:
            agent = await current_agent(request)
            if agent is None:
                if not api and request.method == "GET":
                    return RedirectResponse("/login", status_code=303)
                return JSONResponse({"error": "login required"}, status_code=401)
            return await handler(request, agent)

        return endpoint

    def supervisor_only(
        handler: Callable[[Request, Agent], Awaitable[Response]],
    ) -> Callable[[Request, Agent], Awaitable[Response]]:
        """Refuse agents who are not supervisors (403)."""

        async def endpoint(request: Request, agent: Agent) -> Response:
            if agent.role != AgentRole.SUPERVISOR:
                return render(
                    request,
                    "error.html",
                    agent,
                    status_code=403,
                    message=text("forbidden", lang(request, agent)),
                )
            return await handler(request, agent)

        return endpoint

    async def ticket_or_404(request: Request, agent: Agent) -> Ticket | Response:
        """The ticket of the path, or a 404 page."""
        reference = request.path_params["reference"]
        ticket = await run_in_threadpool(store.get, reference)
        if ticket is None:
            return render(
                request, "error.html", agent, status_code=404, message=text("not_found", lang(request, agent))
            )
        return ticket

    async def acting_ticket(request: Request, agent: Agent) -> Ticket | Response:
        """The ticket, if this agent may act on it (its assignee, or a supervisor)."""
        ticket = await ticket_or_404(request, agent)
        if isinstance(ticket, Response):
            return ticket
        if agent.role != AgentRole.SUPERVISOR and ticket.assigned_to != agent.username:
            return render(
                request, "error.html", agent, status_code=403, message=text("not_yours", lang(request, agent))
            )
        return ticket

    async def conversing_ticket(request: Request, agent: Agent) -> Ticket | Response:
        """As acting_ticket, still with an agent (claimed, not resolved): replies and resolution need it."""
        ticket = await acting_ticket(request, agent)
        if isinstance(ticket, Response) or ticket.status == TicketStatus.ASSIGNED:
            return ticket
        message = text("not_with_agent", lang(request, agent))
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=409)
        flash(request, message, "error")
        return back_to(ticket)

    def back_to(ticket: Ticket) -> RedirectResponse:
        """After an action: the ticket view again."""
        return RedirectResponse(f"/tickets/{ticket.reference}", status_code=303)

    def sla(ticket: Ticket) -> dict[str, Any]:
        """First-response due time and whether it is overdue."""
        due = guidance.first_response_due(ticket.priority, ticket.waiting_since)
        answered = ticket.first_response_at is not None
        overdue = due is not None and not answered and utc_now() > due
        return {
            "due": due,
            "due_ms": int(due.timestamp() * 1000) if due else 0,
            "answered": answered,
            "overdue": overdue,
        }

    async def queue_context() -> dict[str, Any]:
        """What the queue page and its live fragment show."""
        waiting = await run_in_threadpool(store.queue)
        assigned = await run_in_threadpool(store.assigned)
        loads = await run_in_threadpool(store.agent_loads)
        agents = await run_in_threadpool(store.agents)
        return {
            "waiting": [(t, sla(t)) for t in waiting],
            "assigned": [(t, sla(t)) for t in assigned],
            "loads": loads,
            "agents": [a for a in agents if a.active],
            "names": {a.username: a.display_name for a in agents},
        }

    # Login --------------------------------------------------------------------------------------------------

    async def login_form(request: Request) -> Response:
        agent = await current_agent(request)
        if agent is not None:
            return RedirectResponse("/", status_code=303)
        return render(request, "login.html", None)

    async def login(request: Request) -> Response:
        form = await request.form()
        username = str(form.get("username") or "").strip()[:64]
        password = str(form.get("password") or "")
        ip = request.client.host if request.client else "unknown"
        language = lang(request)
        blocked = await run_in_threadpool(minutes_blocked, store, username, ip)
        if blocked:
            return render(
                request,
                "login.html",
                None,
                status_code=429,
                error=text("login_throttled", language, minutes=blocked),
            )
        agent = await run_in_threadpool(store.agent, username)
        valid = await run_in_threadpool(verify_password, agent.password_hash if agent else None, password)
        ok = bool(valid and agent is not None and agent.active)
        await run_in_threadpool(store.record_login, username, ip, ok)
        if not ok or agent is None:
            return render(request, "login.html", None, status_code=401, error=text("login_failed", language))
        if needs_rehash(agent.password_hash):
            await run_in_threadpool(store.set_agent_password, agent.username, hash_password(password))
        request.session.clear()
        request.session["agent"] = agent.username
        request.session["lang"] = language_of(agent.language)
        logger.info("console login: %s", agent.username)
        return RedirectResponse("/", status_code=303)

    async def logout(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    async def set_language(request: Request) -> Response:
        form = await request.form()
        language = language_of(str(form.get("lang") or ""))
        request.session["lang"] = language
        agent = await current_agent(request)
        if agent is not None:
            await run_in_threadpool(store.set_agent_language, agent.username, language)
        target = str(form.get("next") or "/")
        return RedirectResponse(
            target if target.startswith("/") and not target.startswith("//") else "/", 303
        )

    # Queue --------------------------------------------------------------------------------------------------

    async def queue_page(request: Request, agent: Agent) -> Response:
        return render(request, "queue.html", agent, **(await queue_context()))

    async def queue_fragment(request: Request, agent: Agent) -> Response:
        return render(request, "_queue.html", agent, **(await queue_context()))

    async def queue_api(request: Request, agent: Agent) -> Response:
        context = await queue_context()
        return JSONResponse(
            {
                "waiting": [_queue_entry(t, s) for t, s in context["waiting"]],
                "assigned": [_queue_entry(t, s) for t, s in context["assigned"]],
                "loads": context["loads"] if agent.role == AgentRole.SUPERVISOR else None,
            }
        )

    async def events(request: Request, agent: Agent) -> Response:
        return StreamingResponse(
            feed.events(request.is_disconnected),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    # Ticket view --------------------------------------------------------------------------------------------

    async def ticket_context(ticket: Ticket, language: str) -> dict[str, Any]:
        """Everything the ticket view shows."""
        reference = ticket.reference
        events = await run_in_threadpool(store.events, reference)
        done = await run_in_threadpool(store.steps_done, reference)
        agents = await run_in_threadpool(store.agents)
        document = ticket_to_dict(ticket)
        steps = guidance.handling_steps(ticket.category, ticket.secondary_category)
        return {
            "ticket": ticket,
            "document": document,
            "sla": sla(ticket),
            "events": events,
            "notes": [e for e in events if e.kind == EventKind.NOTE],
            "steps": steps,
            "step_names": {key: step.text(language) for key, step in steps},
            "done": done,
            "canned": guidance.canned_replies(),
            "detail_fields": [f for f in DETAIL_FIELDS if f in EDITABLE_FIELDS],
            "editable": sorted(EDITABLE_FIELDS),
            "agents": [a for a in agents if a.active],
            "names": {
                "bot": text("role_bot", language),
                "customer": text("role_customer", language),
                **{a.username: a.display_name for a in agents},
            },
            "price_jump": document.get("price_jump"),
        }

    async def ticket_page(request: Request, agent: Agent) -> Response:
        ticket = await ticket_or_404(request, agent)
        if isinstance(ticket, Response):
            return ticket
        return render(request, "ticket.html", agent, **(await ticket_context(ticket, lang(request, agent))))

    async def ticket_fragment(request: Request, agent: Agent) -> Response:
        ticket = await ticket_or_404(request, agent)
        if isinstance(ticket, Response):
            return ticket
        context = await ticket_context(ticket, lang(request, agent))
        return render(request, "_ticket_live.html", agent, **context)

    async def ticket_api(request: Request, agent: Agent) -> Response:
        ticket = await run_in_threadpool(store.get, request.path_params["reference"])
        if ticket is None:
            return JSONResponse({"error": "no such ticket"}, status_code=404)
        return JSONResponse(ticket_to_dict(ticket))

    async def attachment(request: Request, agent: Agent) -> Response:
        item = await run_in_threadpool(store.attachment, int(request.path_params["attachment_id"]))
        if item is None or not Path(item.storage_path).is_file():
            return JSONResponse({"error": "no such attachment"}, status_code=404)
        if item.content_type in INLINE_TYPES:
            return FileResponse(item.storage_path, media_type=item.content_type)
        return FileResponse(item.storage_path, media_type="application/octet-stream", filename=item.filename)

    # Actions ------------------------------------------------------------------------------------------------

    async def claim(request: Request, agent: Agent) -> Response:
        reference = request.path_params["reference"]
        language = lang(request, agent)
        try:
            outcome = await run_in_threadpool(store.claim, reference, agent.username)
        except TicketNotFound:
            flash(request, text("not_found", language), "error")
            return RedirectResponse("/", status_code=303)
        if not outcome.won:
            holder = outcome.assigned_to
            if holder:
                holder_agent = await run_in_threadpool(store.agent, holder)
                name = holder_agent.display_name if holder_agent else holder
                flash(request, text("claim_lost", language, reference=reference, agent=name), "error")
            else:
                flash(request, text("claim_gone", language, reference=reference), "error")
            return RedirectResponse("/", status_code=303)
        ticket = await run_in_threadpool(store.get, reference)
        if ticket is not None:
            result = await link.marker(ticket.sender_id, "agent_joined", agent.display_name)
            if not result.get("delivered"):
                logger.warning(
                    "could not tell %s that %s joined: %s", ticket.sender_id, agent.username, result
                )
        return RedirectResponse(f"/tickets/{reference}", status_code=303)

    async def reassign(request: Request, agent: Agent) -> Response:
        ticket = await ticket_or_404(request, agent)
        if isinstance(ticket, Response):
            return ticket
        form = await request.form()
        target = await run_in_threadpool(store.agent, str(form.get("agent") or ""))
        if target is None or not target.active:
            flash(
                request, text("bad_value", lang(request, agent), error=str(form.get("agent") or "")), "error"
            )
            return back_to(ticket)
        try:
            await run_in_threadpool(store.reassign, ticket.reference, target.username, agent.username)
        except ValueError as error:
            flash(request, text("bad_value", lang(request, agent), error=str(error)), "error")
            return back_to(ticket)
        await link.marker(ticket.sender_id, "agent_joined", target.display_name)
        return back_to(ticket)

    async def deliver(ticket: Ticket, message_id: int, reply: str, agent: Agent) -> dict[str, Any]:
        """Push one agent line to the customer and record the outcome on it."""
        result = await link.agent_message(ticket.sender_id, reply, agent.display_name)
        await run_in_threadpool(
            store.mark_delivery, message_id, bool(result.get("delivered")), result.get("error")
        )
        return result

    async def reply(request: Request, agent: Agent) -> Response:
        ticket = await conversing_ticket(request, agent)
        if isinstance(ticket, Response):
            return ticket
        form = await request.form()
        message = str(form.get("text") or "").strip()
        if not message or len(message) > MAX_REPLY_CHARS:
            flash(request, text("empty_text", lang(request, agent)), "error")
            return back_to(ticket)
        message_id = await run_in_threadpool(
            store.record_agent_reply, ticket.reference, agent.username, message, agent.display_name
        )
        result = await deliver(ticket, message_id, message, agent)
        if _wants_json(request):
            return JSONResponse({"message_id": message_id, **result})
        return back_to(ticket)

    async def retry(request: Request, agent: Agent) -> Response:
        ticket = await conversing_ticket(request, agent)
        if isinstance(ticket, Response):
            return ticket
        message = await run_in_threadpool(store.message, int(request.path_params["message_id"]))
        if message is None or message.ticket_id != ticket.id or message.role != "agent":
            return render(
                request, "error.html", agent, status_code=404, message=text("not_found", lang(request, agent))
            )
        if message.delivery != "sent":
            await deliver(ticket, message.id, message.text, agent)
        return back_to(ticket)

    async def note(request: Request, agent: Agent) -> Response:
        ticket = await acting_ticket(request, agent)
        if isinstance(ticket, Response):
            return ticket
        form = await request.form()
        content = str(form.get("note") or "").strip()
        if not content:
            flash(request, text("empty_text", lang(request, agent)), "error")
        else:
            await run_in_threadpool(
                store.add_note, ticket.reference, content[:MAX_REPLY_CHARS], agent.username
            )
        return back_to(ticket)

    async def step(request: Request, agent: Agent) -> Response:
        ticket = await acting_ticket(request, agent)
        if isinstance(ticket, Response):
            return ticket
        form = await request.form()
        key = str(form.get("step") or "")
        known = {k for k, _ in guidance.handling_steps(ticket.category, ticket.secondary_category)}
        if key in known:
            done = str(form.get("done") or "") in ("1", "true", "on")
            await run_in_threadpool(store.check_step, ticket.reference, key, done, agent.username)
        if _wants_json(request):
            return JSONResponse({"ok": key in known})
        return back_to(ticket)

    async def edit_field(request: Request, agent: Agent) -> Response:
        ticket = await acting_ticket(request, agent)
        if isinstance(ticket, Response):
            return ticket
        form = await request.form()
        name = str(form.get("field") or "")
        value = str(form.get("value") or "").strip() or None
        try:
            await run_in_threadpool(store.update_field, ticket.reference, name, value, agent.username)
        except (ValueError, TypeError, ArithmeticError) as error:
            flash(request, text("bad_value", lang(request, agent), error=str(error)), "error")
        return back_to(ticket)

    async def resolve(request: Request, agent: Agent) -> Response:
        ticket = await conversing_ticket(request, agent)
        if isinstance(ticket, Response):
            return ticket
        form = await request.form()
        resolution = str(form.get("resolution") or "").strip()
        language = lang(request, agent)
        if not resolution:
            flash(request, text("empty_text", language), "error")
            return back_to(ticket)
        await run_in_threadpool(store.resolve, ticket.reference, agent.username, resolution[:MAX_REPLY_CHARS])
        result = await link.resolved(ticket.sender_id, ticket.reference, resolution[:MAX_REPLY_CHARS])
        if result.get("delivered"):
            flash(request, text("resolved_notice", language))
        else:
            flash(request, text("resolve_not_told", language, error=result.get("error") or "?"), "error")
        return back_to(ticket)

    # App ----------------------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        feed.start()
        try:
            yield
        finally:
            await feed.stop()
            await link.close()

    routes = [
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/language", set_language, methods=["POST"]),
        Route("/", page(queue_page), methods=["GET"]),
        Route("/partials/queue", page(queue_fragment, api=True), methods=["GET"]),
        Route("/api/queue", page(queue_api, api=True), methods=["GET"]),
        Route("/events", page(events, api=True), methods=["GET"]),
        Route("/tickets/{reference}", page(ticket_page), methods=["GET"]),
        Route("/partials/tickets/{reference}", page(ticket_fragment, api=True), methods=["GET"]),
        Route("/api/tickets/{reference}", page(ticket_api, api=True), methods=["GET"]),
        Route("/attachments/{attachment_id:int}", page(attachment, api=True), methods=["GET"]),
        Route("/tickets/{reference}/claim", page(claim), methods=["POST"]),
        Route("/tickets/{reference}/reassign", page(supervisor_only(reassign)), methods=["POST"]),
        Route("/tickets/{reference}/reply", page(reply), methods=["POST"]),
        Route("/tickets/{reference}/messages/{message_id:int}/retry", page(retry), methods=["POST"]),
        Route("/tickets/{reference}/note", page(note), methods=["POST"]),
        Route("/tickets/{reference}/step", page(step), methods=["POST"]),
        Route("/tickets/{reference}/field", page(edit_field), methods=["POST"]),
        Route("/tickets/{reference}/resolve", page(resolve), methods=["POST"]),
        *report_routes(page, supervisor_only, render, lang, config.database_url),
        *privacy_routes(page, supervisor_only, render, lang, config.database_url),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=config.session_secret,
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_MAX_AGE_S,
                same_site="strict",
                https_only=config.secure_cookies,
            )
        ],
        lifespan=lifespan,
    )
    app.state.store = store
    protected = asgi_csrf(
        app,
        signing_secret=config.session_secret,
        always_protect={"/login", "/logout", "/language"},
        cookie_secure=config.secure_cookies,
        cookie_samesite="Strict",
    )
    return _SecurityHeaders(protected)


def _wants_json(request: Request) -> bool:
    """Whether the page script (not a plain form) made the request."""
    return "application/json" in request.headers.get("accept", "")


def _queue_entry(ticket: Ticket, sla: dict[str, Any]) -> dict[str, Any]:
    """A queue row as JSON."""
    return {
        "reference": ticket.reference,
        "category": ticket.category,
        "secondary_category": ticket.secondary_category,
        "priority": ticket.priority,
        "language": ticket.language,
        "channel": ticket.channel,
        "status": ticket.status,
        "handoff_reason": ticket.handoff_reason,
        "assigned_to": ticket.assigned_to,
        "waiting_since": ticket.waiting_since.isoformat() if ticket.waiting_since else None,
        "first_response_due": sla["due"].isoformat() if sla["due"] else None,
        "overdue": sla["overdue"],
    }

"""A Telegram Bot API server on localhost for tests and the benchmark (aiohttp).

It answers the methods the assistant uses (getMe, sendMessage, sendChatAction, answerCallbackQuery,
editMessageReplyMarkup, getFile and file downloads, setWebhook, deleteWebhook, getWebhookInfo, getUpdates)
the way Telegram does, records every call, and can be told to fail the next calls of a method with flood
control (429 + retry_after) or an error status. Point python-telegram-bot at it with `base_url`
(`server.api_url`) and `base_file_url` (`server.file_url`).

Use `async with BotApiServer(token) as server:` in an event loop, or `server.start_in_thread()` /
`server.stop_thread()` from synchronous tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {"id": 424242, "is_bot": True, "first_name": "FAW-VW Service", "username": "fawvw_service_bot"}


@dataclass
class ApiCall:
    """One request the bot made: method, decoded parameters, arrival time (time.perf_counter())."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    status: int = 200  # what the server answered (an injected failure's status)


@dataclass
class Failure:
    """An injected failure: HTTP status, and retry_after for flood control."""

    status: int
    description: str
    retry_after: int | None = None


def _decoded(value: Any) -> Any:
    """Bot API parameters arrive form-encoded; objects and arrays as JSON strings."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class BotApiServer:
    """The fake Bot API; `calls` is what the bot sent, in order."""

    def __init__(self, token: str) -> None:
        """Serve bot `token` (requests for other tokens get 401)."""
        self.token = token
        self.calls: list[ApiCall] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self.webhook: dict[str, Any] = {}
        self.listeners: list[Callable[[ApiCall], None]] = []
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._message_ids = itertools.count(1000)
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # Addresses ----------------------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """python-telegram-bot's base_url (the token is appended)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """python-telegram-bot's base_file_url."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # Test controls ------------------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        times: int = 1,
        status: int = 429,
        retry_after: int | None = 1,
        description: str = "",
    ) -> None:
        """Make the next `times` calls of `method` fail (429 with retry_after is Telegram's flood control)."""
        text = description or ("Too Many Requests: retry later" if status == 429 else "Bad Gateway")
        with self._lock:
            for _ in range(times):
                self._failures[method].append(Failure(status, text, retry_after if status == 429 else None))

    def add_file(self, file_id: str, data: bytes, file_path: str = "photos/file_1.jpg") -> None:
        """A file getFile can describe and the file URL serves."""
        self.files[file_id] = (file_path, data)

    def push_update(self, update: dict[str, Any]) -> None:
        """An update for getUpdates (long polling)."""
        with self._lock:
            self._updates.append(update)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)

    def calls_of(self, method: str, chat_id: int | None = None) -> list[ApiCall]:
        """Calls of a method (to one chat), in order."""
        with self._lock:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if c.method == method and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
        ]

    def delivered(self, method: str, chat_id: int | None = None) -> list[ApiCall]:
        """Calls of a method (to one chat) that succeeded, in order (not those answered with a failure)."""
        return [c for c in self.calls_of(method, chat_id) if c.status == 200]

    def texts(self, chat_id: int) -> list[str]:
        """Texts the bot delivered to a chat, in order."""
        return [str(c.params.get("text", "")) for c in self.delivered("sendMessage", chat_id)]

    # Serving ------------------------------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 (a free port unless given)."""
        self._loop = asyncio.get_running_loop()
        self._new_update = asyncio.Event()
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def start_in_thread(self) -> BotApiServer:
        """Serve from a thread of its own (for synchronous tests); returns self once listening."""
        ready = threading.Event()
        loop = asyncio.new_event_loop()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=serve, name="telegram-api", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Bot API test server did not start")
        return self

    def stop_thread(self) -> None:
        """Stop a server started with start_in_thread."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    # Handlers -----------------------------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> dict[str, Any]:
        """Parameters from the query, a JSON body or a form."""
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                params.update(body if isinstance(body, dict) else {})
            else:
                form = await request.post()
                params.update({k: _decoded(v) for k, v in form.items() if isinstance(v, str)})
        return params

    async def _api(self, request: web.Request) -> web.Response:
        """One Bot API method call."""
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        call = ApiCall(method, params)
        with self._lock:
            self.calls.append(call)
            failure = self._failures[method].popleft() if self._failures[method] else None
        if failure is not None:
            call.status = failure.status
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.status,
                "description": failure.description,
            }
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return web.json_response(body, status=failure.status)
        for listener in list(self.listeners):
            listener(call)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 404,
                    "description": f"Not Found: method {method} not implemented",
                },
                status=404,
            )
        result = await handler(params)
        return web.json_response({"ok": True, "result": result})

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        """The Message Telegram returns for a sent message."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(params.get("chat_id", 0)), "type": "private"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        return self._message(params)

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        return {**self._message(params), "message_id": int(params.get("message_id", 0))}

    async def _m_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params.get("file_id"))
        path, data = self.files.get(file_id, ("", b""))
        if not path:
            return None
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(data),
            "file_path": path,
        }

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = dict(params)
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = list(self._updates)
                self._new_update.clear()
            if ready or time.monotonic() >= deadline:
                return ready
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), max(0.0, deadline - time.monotonic()))

    async def _file(self, request: web.Request) -> web.Response:
        """A file download."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        for path, data in self.files.values():
            if path == request.match_info["path"]:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.Response(status=404)

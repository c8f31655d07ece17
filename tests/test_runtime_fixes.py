"""The fixes `bot.runtime.rasa_main` installs into the Rasa server keep Rasa's behaviour."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot.runtime import action_response, endpoint_sessions, event_types
from bot.runtime.ports import free_port


def test_event_types_resolve_like_rasa() -> None:
    original = event_types._rasa_resolve_by_type
    for cls in all_subclasses(Event):
        assert event_types.resolve_by_type(cls.type_name) is original(cls.type_name)
    assert event_types.resolve_by_type("no-such-event", SlotSet) is SlotSet
    assert event_types.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        event_types.resolve_by_type("no-such-event")


def test_action_responses_are_validated_against_rasas_schema() -> None:
    action = RemoteAction("action_x", None)
    good = {"events": [UserUttered("hi").as_dict(), SlotSet("phone", "1").as_dict()], "responses": []}
    assert action_response.validate_action_result(action, good)
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action_response.validate_action_result(action, {"events": "not a list"})
    with pytest.raises(ValidationError):
        action_response.validate_action_result(action, {"events": [{"event": "slot", "name": 3}]})


def test_endpoint_requests_reuse_one_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(EndpointConfig, "session", endpoint_sessions.shared_session)
    peers: list[int] = []

    async def echo(request: web.Request) -> web.Response:
        peers.append(request.transport.get_extra_info("peername")[1])
        return web.json_response(await request.json())

    async def scenario() -> list[object]:
        app = web.Application()
        app.router.add_post("/webhook", echo)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
            return [await endpoint.request(json={"n": n}) for n in range(3)]
        finally:
            await runner.cleanup()

    assert asyncio.run(scenario()) == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert len(peers) == 3 and len(set(peers)) == 1  # one client port: the connection was kept alive

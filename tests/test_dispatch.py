"""The shared path from a customer message to Rasa: rate limit, buttons, guard, handoff gate, failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels import dispatch as dispatch_module
from bot.channels.dispatch import CustomerMessage, Dispatcher, Outcome, install_handoff_gate
from bot.channels.issued_buttons import IssuedButtons, RecordingOutput
from bot.channels.notices import APOLOGY, SLOW_DOWN
from bot.channels.outputs import output_for, register_output
from bot.channels.ratelimit import RateLimiter
from bot.channels.replay import ReplayCache


class Assistant:
    """Stands in for Rasa's message handler: records what reaches it and answers like a bot would."""

    def __init__(self, reply: dict[str, Any] | None = None, error: Exception | None = None) -> None:
        self.received: list[UserMessage] = []
        self.reply = reply if reply is not None else {"text": "您好"}
        self.error = error

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.error is not None:
            raise self.error
        if self.reply:
            await message.output_channel.send_response(message.sender_id, dict(self.reply))


@pytest.fixture(autouse=True)
def no_gate() -> None:
    install_handoff_gate(None)


def run(dispatcher: Dispatcher, message: CustomerMessage, assistant: Assistant) -> tuple[Outcome, list]:
    output = CollectingOutputChannel()
    outcome = asyncio.run(dispatcher.dispatch(message, output, assistant))
    return outcome, output.messages


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text", "") for m in messages]


def test_a_message_reaches_rasa_with_its_channel_recorded() -> None:
    assistant = Assistant()
    outcome, replies = run(Dispatcher("web"), CustomerMessage("web", "web-a", "空调有异响"), assistant)
    assert outcome is Outcome.HANDLED and texts(replies) == ["您好"]
    [message] = assistant.received
    assert message.input_channel == "web" and message.metadata["channel"] == "web"


def test_a_flooding_sender_is_slowed_down_in_its_language_others_are_not() -> None:
    dispatcher = Dispatcher("web", RateLimiter(per_minute=3))
    assistant = Assistant()
    flood = CustomerMessage("web", "web-flood", "hello there")
    for _ in range(3):
        assert run(dispatcher, flood, assistant)[0] is Outcome.HANDLED
    outcome, replies = run(dispatcher, CustomerMessage("web", "web-flood", "hello again"), assistant)
    assert outcome is Outcome.RATE_LIMITED and texts(replies) == [SLOW_DOWN["en"]]
    _, replies = run(dispatcher, CustomerMessage("web", "web-flood", "还在吗"), assistant)
    assert texts(replies) == [SLOW_DOWN["zh"]]
    assert len(assistant.received) == 3
    assert run(dispatcher, CustomerMessage("web", "web-calm", "你好"), assistant)[0] is Outcome.HANDLED


def test_typed_commands_and_unissued_payloads_never_reach_rasa_as_commands() -> None:
    assistant = Assistant()
    dispatcher = Dispatcher("web", issued=IssuedButtons())
    run(dispatcher, CustomerMessage("web", "web-b", "/restart"), assistant)
    run(dispatcher, CustomerMessage("web", "web-b", payload='/inform{"phone": "13800000000"}'), assistant)
    assert [m.text[0] for m in assistant.received] == ["\uff0f", "\uff0f"]
    assert not any(m.metadata.get("button") for m in assistant.received)


def test_only_payloads_the_bot_issued_to_that_sender_pass_unchanged() -> None:
    issued = IssuedButtons()
    buttons = [{"title": "是", "payload": "/affirm"}, {"title": "否", "payload": "/deny"}]
    assistant = Assistant(reply={"text": "信息正确吗?", "buttons": buttons})
    dispatcher = Dispatcher("web", issued=issued)
    run(dispatcher, CustomerMessage("web", "web-c", "我要投诉"), assistant)
    run(dispatcher, CustomerMessage("web", "web-c", payload="/affirm"), assistant)
    run(dispatcher, CustomerMessage("web", "web-other", payload="/affirm"), assistant)
    assert assistant.received[1].text == "/affirm" and assistant.received[1].metadata["button"] is True
    assert assistant.received[2].text == "\uff0faffirm"  # never issued to this sender


def test_a_failure_inside_handling_is_answered_with_an_apology_in_the_customers_language() -> None:
    broken = Assistant(error=RuntimeError("tracker store down"))
    outcome, replies = run(Dispatcher("web"), CustomerMessage("web", "web-d", "我的车坏了"), broken)
    assert outcome is Outcome.FAILED and texts(replies) == [APOLOGY["zh"]]
    _, replies = run(Dispatcher("web"), CustomerMessage("web", "web-e", "my car broke down"), broken)
    assert texts(replies) == [APOLOGY["en"]]


def test_a_turn_without_any_reply_is_answered_with_an_apology() -> None:
    outcome, replies = run(Dispatcher("web"), CustomerMessage("web", "web-f", "hello"), Assistant(reply={}))
    assert outcome is Outcome.FAILED and texts(replies) == [APOLOGY["en"]]


def test_a_handling_that_hangs_is_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(dispatch_module.HANDLING_TIMEOUT_ENV, "0.2")

    async def hangs(message: UserMessage) -> None:
        await asyncio.sleep(30)

    output = CollectingOutputChannel()
    outcome = asyncio.run(Dispatcher("web").dispatch(CustomerMessage("web", "web-g", "你好"), output, hangs))
    assert outcome is Outcome.FAILED and texts(output.messages) == [APOLOGY["zh"]]


def test_the_handoff_gate_is_consulted_before_rasa() -> None:
    seen: list[str] = []

    async def gate(message: CustomerMessage, text: str, output: Any) -> bool:
        seen.append(text)
        await output.send_text_message(message.sender_id, "客服马上回复您")
        return message.sender_id == "web-agent-owned"

    install_handoff_gate(gate)
    assistant = Assistant()
    outcome, _ = run(Dispatcher("web"), CustomerMessage("web", "web-agent-owned", "在吗"), assistant)
    assert outcome is Outcome.HANDED_OFF and not assistant.received
    assert run(Dispatcher("web"), CustomerMessage("web", "web-h", "在吗"), assistant)[0] is Outcome.HANDLED
    assert seen == ["在吗", "在吗"]


def test_outputs_registry_reaches_a_conversation_in_its_channel() -> None:
    register_output("test-channel", lambda s: CollectingOutputChannel() if s.startswith("t-") else None)
    assert isinstance(output_for("test-channel", "t-1"), CollectingOutputChannel)
    assert output_for("test-channel", "x") is None
    assert output_for("no-such-channel", "t-1") is None


def test_recording_output_records_buttons_sent_through_it() -> None:
    issued = IssuedButtons()
    output = RecordingOutput(CollectingOutputChannel(), issued)
    asyncio.run(output.send_response("s", {"text": "?", "buttons": [{"title": "Yes", "payload": "Yes"}]}))
    assert issued.issued("s", "Yes") and not issued.issued("s", "No") and not issued.issued("t", "Yes")


def test_a_retried_message_whose_first_handling_failed_is_handled_again() -> None:
    async def scenario() -> list[Any]:
        cache = ReplayCache()
        assert cache.claim("s", "m1") is None
        waiting = cache.claim("s", "m1")  # a duplicate arrives while the first is being handled
        cache.forget("s", "m1")  # the first handling failed
        first = await asyncio.wait_for(waiting, 1)
        retry = cache.claim("s", "m1")  # the retry is handled afresh
        cache.settle("s", "m1", [{"text": "ok"}])
        return [first, retry, await asyncio.wait_for(cache.claim("s", "m1"), 1)]

    assert asyncio.run(scenario()) == [None, None, [{"text": "ok"}]]

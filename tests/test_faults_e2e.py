"""Faults while customers talk: action server slow or down, database stopped, Redis killed.

One server pair on a PostgreSQL and a Redis of this module's own (the shared ones are never stopped).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.constants import Slot
from bot.runtime.outage_markers import PENDING_KEY, REPLAY_OF_KEY
from bot.runtime.servers import START_TIMEOUT_ENV, _wait_for, child_environment
from bot.runtime.settings import PROJECT_ROOT
from bot.tickets.store import TicketStore, ticket_to_dict
from tests.assistant import REFERENCE, Assistant, Customer, run_assistant
from tests.own_services import OwnPostgres, OwnRedis, own_postgres, own_redis

ACTION_TIMEOUT_S = "3"
KEPT_EN = "Your message is saved"
KEPT_ZH = "您的消息已经保存"
APOLOGY_EN = "send it again"
SKIP_ALL = dict.fromkeys((s.value for s in Slot), "skip")


class Faults:
    """The running assistant with handles on the services this module may break."""

    def __init__(self, assistant: Assistant, postgres: OwnPostgres, redis: OwnRedis) -> None:
        self.assistant = assistant
        self.postgres = postgres
        self.redis = redis
        self.actions = assistant.servers.actions
        self.started_actions: list[subprocess.Popen[bytes]] = []

    def restart_actions(self) -> None:
        """Start an action server again on the same port, as `bot run` does."""
        settings = self.assistant.servers.settings
        env = child_environment(settings, {"DATABASE_URL": self.assistant.database_url})
        log = (self.assistant.log_dir / "actions-restarted.log").open("ab")
        self.actions = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(settings.actions_port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started_actions.append(self.actions)
        _wait_for(f"http://127.0.0.1:{settings.actions_port}/health", self.actions, time.monotonic() + 120)

    def rasa_log(self) -> str:
        """Everything the Rasa server logged so far."""
        return (self.assistant.log_dir / "rasa.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def faults(trained_model: Path) -> Iterator[Faults]:
    """The assistant on its own PostgreSQL and Redis, with a short action timeout."""
    with own_postgres() as postgres, own_redis() as redis:
        # Loading the model can take minutes on the shared 2-core machine; this module only needs it to start.
        env = {"ACTION_TIMEOUT_S": ACTION_TIMEOUT_S, START_TIMEOUT_ENV: "900"}
        with run_assistant(trained_model, postgres.url, "faults", redis.url, extra_env=env) as assistant:
            running = Faults(assistant, postgres, redis)
            try:
                yield running
            finally:
                for process in running.started_actions:
                    process.terminate()
                    process.wait(timeout=20)


def _open_intake(customer: Customer) -> None:
    customer.say("I want to complain: the workshop replaced my clutch and it slips again after a week")
    assert customer.requested_slot() == Slot.VEHICLE_MODEL.value


def _user_events(customer: Customer) -> list[dict]:
    return [e for e in customer.tracker()["events"] if e["event"] == "user"]


def _file(customer: Customer) -> str:
    customer.answer_form(SKIP_ALL)
    reply = customer.say("yes")
    assert REFERENCE.search(reply), reply
    return reply


def test_slow_action_server_answers_in_seconds_and_the_form_resumes(faults: Faults) -> None:
    customer = faults.assistant.customer()
    customer.say("我要投诉:4S店给我换了离合器,一个星期后又打滑了")
    asked = customer.requested_slot()
    assert asked == Slot.VEHICLE_MODEL.value
    os.kill(faults.actions.pid, signal.SIGSTOP)  # up but not answering
    try:
        reply = customer.say("迈腾")  # the client gives up after 60 s; Rasa alone would wait 300 s
    finally:
        os.kill(faults.actions.pid, signal.SIGCONT)
    assert KEPT_ZH in reply
    kept = _user_events(customer)[-1]
    assert kept["text"] == "迈腾" and kept["metadata"][PENDING_KEY]
    assert customer.requested_slot() == asked  # nothing of the failed turn stayed
    customer.say("13812345678")  # the kept answer is handled first, then this one
    assert customer.slot(Slot.VEHICLE_MODEL.value) == "Magotan"  # 迈腾, as stored
    assert customer.slot(Slot.PHONE.value) == "+8613812345678"


def test_action_server_down_keeps_the_message_and_the_intake_files_once_when_it_is_back(
    faults: Faults,
) -> None:
    customer = faults.assistant.customer()
    _open_intake(customer)
    faults.actions.terminate()
    faults.actions.wait(timeout=20)
    reply = customer.say("it's a Bora")
    assert KEPT_EN in reply
    assert customer.say("hello? anyone there?").count(KEPT_EN) == 1  # still down: kept too
    faults.restart_actions()
    customer.say("13812345678")
    assert customer.slot(Slot.VEHICLE_MODEL.value) == "Bora"
    assert customer.slot(Slot.PHONE.value) == "+8613812345678"
    replays = [e for e in _user_events(customer) if (e.get("metadata") or {}).get(REPLAY_OF_KEY)]
    assert [e["text"] for e in replays] == ["it's a Bora", "hello? anyone there?"]
    _file(customer)
    (ticket,) = [
        ticket_to_dict(t)
        for t in TicketStore(faults.assistant.database_url).find_by_conversation(customer.sender)
    ]
    assert ticket["vehicle_model"] == "Bora"
    customer_lines = [line["text"] for line in ticket["transcript"] if line["role"] == "customer"]
    assert customer_lines.count("it's a Bora") == 1


def test_database_down_refuses_the_turn_with_an_apology_and_resumes_by_itself(faults: Faults) -> None:
    customer = faults.assistant.customer()
    _open_intake(customer)
    logged_before = len(faults.rasa_log())
    faults.postgres.stop()
    try:
        reply = customer.say("my car is a Bora")
    finally:
        faults.postgres.start()
    assert APOLOGY_EN in reply
    logged = faults.rasa_log()[logged_before:]  # whichever reader met the database first logged it
    assert "ERROR" in logged and "OperationalError" in logged
    assert customer.requested_slot() == Slot.VEHICLE_MODEL.value  # the turn was refused, not half-kept
    customer.say("my car is a Bora")  # sent again, as the apology asks
    assert customer.slot(Slot.VEHICLE_MODEL.value) == "Bora"
    customer.say("13812345678")
    customer.answer_form(SKIP_ALL)
    faults.postgres.stop()
    try:
        assert APOLOGY_EN in customer.say("yes")
    finally:
        faults.postgres.start()
    reply = customer.say("yes")
    assert REFERENCE.search(reply), reply
    tickets = TicketStore(faults.assistant.database_url).find_by_conversation(customer.sender)
    assert len(tickets) == 1


def test_redis_down_refuses_every_message_clearly_until_it_is_back(faults: Faults) -> None:
    customer = faults.assistant.customer()
    _open_intake(customer)
    faults.redis.kill()
    try:
        reply = customer.say("my car is a Bora")
    finally:
        faults.redis.start()
    assert APOLOGY_EN in reply
    assert "the Redis lock store at" in faults.rasa_log()
    assert not [e for e in _user_events(customer) if "Bora" in e["text"]]  # nobody handled it without a lock
    customer.say("my car is a Bora")
    assert customer.slot(Slot.VEHICLE_MODEL.value) == "Bora"


def test_server_logs_hold_no_clear_phone_or_secret(faults: Faults) -> None:
    servers = faults.assistant.servers
    secrets = [servers.auth_token, servers.web_api_token or ""]
    for log in faults.assistant.log_dir.glob("*.log"):
        text = log.read_text(errors="replace")
        assert "13812345678" not in text, log.name
        assert not [s for s in secrets if s and s in text], log.name

"""Shared fixtures: the trained model and fresh databases (a SQLite file and a PostgreSQL database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.db.engine import dispose_shared_engine, make_engine
from bot.db.migrate import upgrade
from bot.runtime.settings import load_settings
from bot.runtime.training import ensure_model

# Browser fixtures (`browser`, `browser_context`) and the hook that screenshots failed browser tests.
pytest_plugins = ("tests.browser",)

# The PostgreSQL server every machine of this project runs; a fresh database is created on it per session.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# The Redis server every machine of this project runs; the PostgreSQL deployments use it for Rasa's locks.
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The full model (config.yml) for the current sources; trained once (a few minutes) when missing."""
    return ensure_model(load_settings().models_dir)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file of its own for this test session."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'bot.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of its own for this test session, dropped afterwards."""
    name = f"bot_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        dispose_shared_engine(url)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture()
def fresh_sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite file for one test."""
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis server for lock stores, checked to answer."""
    client = redis.Redis.from_url(REDIS_TEST_URL)
    assert client.ping()
    client.close()
    return REDIS_TEST_URL

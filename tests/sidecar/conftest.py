"""Fixtures: a store on SQLite and on the machine's PostgreSQL (a fresh schema per test),
and a private PostgreSQL server that outage tests may stop and start."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from config.settings import StoreSettings
from sidecar.store import Store, on_clock
from tests.sidecar.fakes import FakeClock
from tests.sidecar.private_pg import PrivatePostgres, private_postgres

PG_URL = os.environ.get("DESKROUTE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_up() -> bool:
    """True when the local PostgreSQL answers."""
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except sa.exc.OperationalError:
        return False
    return True


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A unique PostgreSQL schema, dropped afterwards."""
    if not postgres_up():
        pytest.fail(f"PostgreSQL is not reachable at {PG_URL} (.ci/run starts it)")
    name = f"dr_test_{uuid.uuid4().hex[:12]}"
    yield name
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """A hand-moved clock."""
    return FakeClock()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, StoreSettings]:
    """A database URL and store settings, for each supported database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}", StoreSettings()
    schema = request.getfixturevalue("pg_schema")
    return PG_URL, StoreSettings(schema_name=schema)


@pytest.fixture
def store(store_url: tuple[str, StoreSettings], clock: FakeClock) -> Iterator[Store]:
    """A migrated store on each database, its write-backs due by the hand-moved clock."""
    url, settings = store_url
    opened = Store.open(url, "replica-a", clock(), settings, due_clock=on_clock(clock))
    yield opened
    opened.close()


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    """A private PostgreSQL server, running; stop and start it at will. Removed afterwards."""
    server = private_postgres()
    yield server
    server.remove()

"""Opening the database: SQLite with WAL and a busy timeout, or PostgreSQL via psycopg 3."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from config.settings import StoreSettings


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for a bare ``postgresql://`` URL."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


CONNECT_TIMEOUT_SECONDS = 5
"""How long a new PostgreSQL connection may take before the attempt counts as failed."""
RECYCLE_SECONDS = 1800
"""Pooled PostgreSQL connections older than this are replaced (firewalls drop idle ones)."""


def open_engine(url: str, settings: StoreSettings | None = None) -> sa.Engine:
    """An engine for ``url``; on PostgreSQL, scoped to ``settings.schema_name`` when set.

    Nothing is connected yet: the first call that needs the database connects. On
    PostgreSQL every pooled connection is tested before use (``pool_pre_ping``), so the
    connections a restarted server dropped are replaced instead of failing a job.
    """
    settings = settings or StoreSettings()
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, settings)
    engine = sa.create_engine(
        url, pool_size=settings.pool_size, pool_pre_ping=True, pool_recycle=RECYCLE_SECONDS,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )  # fmt: skip
    if settings.schema_name:
        engine = engine.execution_options(schema_translate_map={None: settings.schema_name})
    return engine


def ensure_schema(engine: sa.Engine, name: str | None) -> None:
    """Create the PostgreSQL schema ``name`` if it is missing (nothing when None)."""
    if name:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{name}"'))


def _sqlite_engine(url: str, settings: StoreSettings) -> sa.Engine:
    engine = sa.create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": settings.busy_timeout_seconds},
    )

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # WAL lets webhook intake read while the writer commits; isolation_level None
        # hands transaction control to the "begin" hook below (BEGIN IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        # reads (see ``reading``) run outside transactions; WAL gives each a consistent view
        if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return
        # take the write lock up front so two writers queue instead of deadlocking
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def reading(engine: sa.Engine) -> sa.Connection:
    """A connection for reads only: no transaction (so no SQLite write lock) is taken."""
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")

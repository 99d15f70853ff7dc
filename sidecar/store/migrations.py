"""Versioned schema migrations: an ordered list of steps and a table recording which ran.

Every replica calls ``migrate`` at start-up. On PostgreSQL a transaction-scoped advisory
lock makes concurrent replicas take turns, so each step runs exactly once; the step and
its version row commit together. A schema change is a new ``Migration`` appended to
``MIGRATIONS`` (never an edit of an old one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from sidecar.store import schema

log = logging.getLogger(__name__)

MIGRATION_LOCK = 0x6465736B  # "desk": the advisory lock key replicas queue on


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: its version number, a name for humans, and the DDL to run."""

    version: int
    name: str
    apply: Callable[[sa.Connection], None]


def _initial_tables(conn: sa.Connection) -> None:
    tables = [
        table
        for name, table in schema.metadata.tables.items()
        if name != "deskroute_schema_version"
    ]
    schema.metadata.create_all(conn, tables=tables)


def _notes_table(conn: sa.Connection) -> None:
    schema.notes.create(conn, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial tables", _initial_tables),
    Migration(2, "notes posted after bulk writes", _notes_table),
)


def current_version(conn: sa.Connection) -> int:
    """The highest applied version (0 on an empty database)."""
    found = conn.execute(sa.select(sa.func.max(schema.schema_version.c.version))).scalar()
    return int(found or 0)


def migrate(engine: sa.Engine, now: datetime) -> int:
    """Apply every pending migration in order; returns the resulting version."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        schema.schema_version.create(conn, checkfirst=True)
        version = current_version(conn)
        for step in MIGRATIONS:
            if step.version <= version:
                continue
            log.info("applying schema migration %d: %s", step.version, step.name)
            step.apply(conn)
            conn.execute(
                schema.schema_version.insert().values(
                    version=step.version, name=step.name, applied_at=now
                )
            )
            version = step.version
        return version

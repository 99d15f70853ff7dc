"""Versioned schema migrations: an ordered list of steps and a table recording which ran.

Every replica calls ``migrate`` at start-up. On PostgreSQL a transaction-scoped advisory
lock makes concurrent replicas take turns, so each step runs exactly once; the step and
its version row commit together. A schema change is a new ``Migration`` appended to
``MIGRATIONS`` (never an edit of an old one).

A rolling upgrade runs old and new code on one schema for a while, so a step only adds
(nullable columns, tables) and the code one version back keeps working on it. Code older
than the schema refuses to start (``SchemaTooNewError``): it cannot know what a newer step
changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from config.settings import ConfigError
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


def _add_column(conn: sa.Connection, table: sa.Table, column: str, sql_type: str) -> None:
    """``ALTER TABLE ... ADD COLUMN`` unless the column is there (a database created at
    this version already has it: step 1 creates the tables as ``schema`` describes them)."""
    if conn.dialect.name == "postgresql":
        translate = conn.get_execution_options().get("schema_translate_map") or {}
        name = f'"{translate[None]}".{table.name}' if translate.get(None) else table.name
        conn.execute(sa.text(f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS {column} {sql_type}"))
        return
    present = {row[1] for row in conn.execute(sa.text(f"PRAGMA table_info({table.name})"))}
    if column not in present:
        conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {column} {sql_type}"))


def _fencing_epochs(conn: sa.Connection) -> None:
    _add_column(conn, schema.decisions, "epoch", "INTEGER")
    _add_column(conn, schema.outbox, "epoch", "INTEGER")


def _deliveries_table(conn: sa.Connection) -> None:
    schema.deliveries.create(conn, checkfirst=True)


def _decision_requesters(conn: sa.Connection) -> None:
    _add_column(conn, schema.decisions, "source", "VARCHAR(50)")
    _add_column(conn, schema.decisions, "requester", "VARCHAR(200)")
    schema.DECISIONS_BY_REQUESTER.create(conn, checkfirst=True)


def _shadow_columns(conn: sa.Connection) -> None:
    timestamp = sa.DateTime().compile(dialect=conn.dialect)
    _add_column(conn, schema.tickets, "first_assignee", "VARCHAR(100)")
    _add_column(conn, schema.tickets, "first_assigned_at", timestamp)
    _add_column(conn, schema.decisions, "dry_run", "BOOLEAN")


def _policies_table(conn: sa.Connection) -> None:
    schema.policies.create(conn, checkfirst=True)


def _customer_contexts_table(conn: sa.Connection) -> None:
    schema.customer_contexts.create(conn, checkfirst=True)


def _roster_profiles(conn: sa.Connection) -> None:
    _add_column(conn, schema.agent_load, "profile", sa.JSON().compile(dialect=conn.dialect))


def _outbox_jobs(conn: sa.Connection) -> None:
    _add_column(conn, schema.outbox, "job", "VARCHAR(200)")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial tables", _initial_tables),
    Migration(2, "notes posted after bulk writes", _notes_table),
    Migration(3, "lease epochs on decisions and outbox claims (fencing)", _fencing_epochs),
    Migration(4, "webhook deliveries remembered to refuse replays", _deliveries_table),
    Migration(5, "help desk and requester on decisions (continuity)", _decision_requesters),
    Migration(6, "first assignee of tickets, dry run on decisions (shadow report)",
              _shadow_columns),
    Migration(7, "policies applied live", _policies_table),
    Migration(8, "customer contexts from the shop, cached (issue 19)", _customer_contexts_table),
    Migration(9, "the roster kept in the store for the next leader", _roster_profiles),
    Migration(10, "the bulk job that carried a write-back", _outbox_jobs),
)  # fmt: skip


class SchemaTooNewError(ConfigError):
    """The store was migrated by a newer deskroute than this one: refuse to start."""

    def __init__(self, found: int, known: int) -> None:
        self.found, self.known = found, known
        super().__init__([(
            "DESKROUTE_DATABASE_URL",
            f"the store's schema is at version {found}, newer than this deskroute knows "
            f"({known}); run the newer deskroute, or point this one at its own store",
        )])  # fmt: skip


def current_version(conn: sa.Connection) -> int:
    """The highest applied version (0 on an empty database)."""
    found = conn.execute(sa.select(sa.func.max(schema.schema_version.c.version))).scalar()
    return int(found or 0)


def migrate(
    engine: sa.Engine, now: datetime, migrations: tuple[Migration, ...] = MIGRATIONS
) -> int:
    """Apply every pending migration in order; returns the resulting version.

    Raises ``SchemaTooNewError`` when the store is at a version past the last of ``migrations``.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        schema.schema_version.create(conn, checkfirst=True)
        version = current_version(conn)
        known = migrations[-1].version
        if version > known:
            raise SchemaTooNewError(version, known)
        for step in migrations:
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

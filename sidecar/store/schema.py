"""The store's tables: one SQLAlchemy ``MetaData`` shared by SQLite and PostgreSQL.

Times are stored as naive UTC and handed back timezone-aware (``UtcDateTime``), so both
databases behave the same and nothing downstream ever sees a naive datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData()


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware datetime stored as naive UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to naive UTC; reject naive ones."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Attach UTC to what the database returns."""
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC)


schema_version = sa.Table(
    "deskroute_schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("applied_at", UtcDateTime, nullable=False),
)

cursors = sa.Table(
    "deskroute_cursors",
    metadata,
    sa.Column("source", sa.String(50), primary_key=True),
    sa.Column("cursor", sa.Text, nullable=True),
    sa.Column("saved_at", UtcDateTime, nullable=False),
)

seen = sa.Table(
    "deskroute_seen",
    metadata,
    sa.Column("ticket_id", sa.String(100), primary_key=True),
    sa.Column("version", sa.String(40), primary_key=True),
    sa.Column("via", sa.String(20), nullable=False),
    sa.Column("seen_at", UtcDateTime, nullable=False),
)

hints = sa.Table(
    "deskroute_hints",
    metadata,
    sa.Column("ticket_id", sa.String(100), primary_key=True),
    sa.Column("via", sa.String(20), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False),
)

deliveries = sa.Table(
    "deskroute_deliveries",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("via", sa.String(20), nullable=False),
    sa.Column("received_at", UtcDateTime, nullable=False, index=True),
)
"""Webhook deliveries taken in lately, by delivery id and by signature (migration 4): a
replay within the window is answered without a hint, so it costs no read."""

tickets = sa.Table(
    "deskroute_tickets",
    metadata,
    sa.Column("ticket_id", sa.String(100), primary_key=True),
    sa.Column("state", sa.String(20), nullable=False, index=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=True),
    sa.Column("assignee", sa.String(100), nullable=True),
    sa.Column("our_agent", sa.String(100), nullable=True),
    sa.Column("queued_at", UtcDateTime, nullable=True),
    sa.Column("assigned_at", UtcDateTime, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("moves", sa.Integer, nullable=False, default=0),
    sa.Column("first_seen_at", UtcDateTime, nullable=False),
    sa.Column("changed_at", UtcDateTime, nullable=False),
    sa.Column("first_assignee", sa.String(100), nullable=True),
    sa.Column("first_assigned_at", UtcDateTime, nullable=True),
    # the first assignee a version of the ticket showed, and that version's update time
    # (migration 6; kept when the ticket is reassigned or closed): in dry run, the
    # person's first choice the shadow report compares ours with
)

decisions = sa.Table(
    "deskroute_decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(100), nullable=False, index=True),
    sa.Column("decided_at", UtcDateTime, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("agent_id", sa.String(100), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("cause", sa.String(30), nullable=False),
    sa.Column("replica", sa.String(100), nullable=False),
    sa.Column("trace", sa.JSON, nullable=False),
    sa.Column("epoch", sa.Integer, nullable=True),
    # the lease epoch of the leader that decided (migration 3; None: unfenced or older code)
    sa.Column("source", sa.String(50), nullable=True),
    sa.Column("requester", sa.String(200), nullable=True),
    # the ticket's help desk and requester (migration 5; None: older code): continuity
    # reads our last assignment per requester
    sa.Column("dry_run", sa.Boolean, nullable=True),
    # decided in dry run (migration 6; None: older code): a shadow decision, which the
    # shadow report finds after its ticket closed
)

DECISIONS_BY_REQUESTER = sa.Index(
    "deskroute_decisions_requester", decisions.c.requester, decisions.c.source
)
"""Our decisions per requester, for continuity (migration 5)."""

outbox = sa.Table(
    "deskroute_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(100), nullable=False, index=True),
    sa.Column("decision_id", sa.Integer, nullable=False),
    sa.Column("agent_id", sa.String(100), nullable=False),
    sa.Column("group_name", sa.String(100), nullable=True),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("policy", sa.String(60), nullable=False),
    sa.Column("expected_updated_at", UtcDateTime, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
    sa.Column("epoch", sa.Integer, nullable=True),
    # the lease epoch of the leader that claimed the row last (migration 3)
    sa.Column("job", sa.String(200), nullable=True),
    # the help desk's bulk job that carried the last attempt (migration 10)
)

policies = sa.Table(
    "deskroute_policies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("version", sa.String(40), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("file_version", sa.String(40), nullable=True),
    sa.Column("applied_at", UtcDateTime, nullable=False),
    sa.Column("replica", sa.String(100), nullable=False),
)
"""Every policy applied, newest last (migration 7): the newest row is the one every replica
routes by. ``source`` is ``file`` (read at start or on SIGHUP) or ``api`` (the console or
``PUT /admin/policy``); ``file_version`` is the file's fingerprint when the row was written,
so a restart with an unchanged file keeps a policy applied live."""

customer_contexts = sa.Table(
    "deskroute_customer_contexts",
    metadata,
    sa.Column("shop", sa.String(20), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("context", sa.Text, nullable=True),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
)
"""What the shop said about each requester (migration 8, issue 19): the context as JSON, or
NULL when the shop does not know them; reused until ``DESKROUTE_SHOP__TTL_SECONDS`` old."""

notes = sa.Table(
    "deskroute_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.String(100), nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=True),
)
"""Explanations still to post as private notes, where a help desk's bulk write cannot carry
them (Freshdesk): ``pending`` → ``done`` | ``dropped``."""

agent_load = sa.Table(
    "deskroute_agent_load",
    metadata,
    sa.Column("agent_id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, default=""),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("load", sa.Float, nullable=False),
    sa.Column("max_load", sa.Float, nullable=False),
    sa.Column("refreshed_at", UtcDateTime, nullable=False),
    sa.Column("profile", sa.JSON, nullable=True),
)
"""The roster as the leader last read it: each agent's load, and in ``profile`` the whole
agent (groups, skills, status, schedule) a new leader decides with while it reads the
roster again (migration 9; NULL where older code wrote the row)."""

lease = sa.Table(
    "deskroute_lease",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("holder", sa.String(200), nullable=True),
    sa.Column("epoch", sa.Integer, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

ACTIVE_WRITES = ("pending", "sending")
"""Outbox states of a write not yet finished; a ticket has at most one such row."""

sa.Index(
    "deskroute_outbox_one_active",
    outbox.c.ticket_id,
    unique=True,
    sqlite_where=outbox.c.status.in_(ACTIVE_WRITES),
    postgresql_where=outbox.c.status.in_(ACTIVE_WRITES),
)

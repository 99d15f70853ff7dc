"""Losing the store mid-run (``--lose-store``): deleting it, and what it held that the
audit's tally still needs (the decisions behind the writes made before the loss)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from sandbox.chaos.store_view import StoreView


@dataclass
class LostStores:
    """What the stores deleted mid-run held: their decisions (the audit's writes before the
    loss need their decision rows) and their finished write-backs."""

    decided: dict[str, set[str]] = field(default_factory=dict)
    done: int = 0

    def keep(self, view: StoreView) -> None:
        """Remember ``view``'s store before it is deleted."""
        for ticket_id, agents in view.decided().items():
            self.decided.setdefault(ticket_id, set()).update(agents)
        self.done += view.outbox().get("done", 0)

    def with_decided(self, current: dict[str, set[str]]) -> dict[str, set[str]]:
        """The decisions of the lost stores and of ``current`` together."""
        merged = {ticket_id: set(agents) for ticket_id, agents in self.decided.items()}
        for ticket_id, agents in current.items():
            merged.setdefault(ticket_id, set()).update(agents)
        return merged


def delete_store(url: str, schema_name: str | None) -> None:
    """Delete the run's store: the SQLite file with its journal, or the PostgreSQL schema."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if schema_name is None:
        raise ValueError("deleting a PostgreSQL store needs the run's own schema")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema_name}" CASCADE'))
    finally:
        engine.dispose()

"""The policies applied, newest last: the newest is the one every replica routes by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from sidecar.store import schema
from sidecar.store.database import reading

P = schema.policies


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    """One applied policy file."""

    id: int
    version: str
    """The file's fingerprint (``PolicyFile.fingerprint``)."""
    text: str
    source: str
    """``file`` (read at start or on SIGHUP) or ``api`` (the console or the admin API)."""
    file_version: str | None
    """The configured file's fingerprint when this row was written."""
    applied_at: datetime
    replica: str


def _stored(row: sa.Row[tuple[object, ...]]) -> StoredPolicy:
    m = row._mapping
    return StoredPolicy(
        id=m["id"], version=m["version"], text=m["text"], source=m["source"],
        file_version=m["file_version"], applied_at=m["applied_at"], replica=m["replica"],
    )  # fmt: skip


class PolicyStore:
    """Reads and appends applied policies."""

    def __init__(self, engine: sa.Engine, replica: str) -> None:
        self.engine, self.replica = engine, replica

    def active(self) -> StoredPolicy | None:
        """The newest applied policy (None before any was recorded)."""
        with reading(self.engine) as conn:
            row = conn.execute(sa.select(P).order_by(P.c.id.desc()).limit(1)).first()
        return None if row is None else _stored(row)

    def active_version(self) -> str | None:
        """Only the newest policy's fingerprint: what a replica compares on each roster read."""
        with reading(self.engine) as conn:
            query = sa.select(P.c.version).order_by(P.c.id.desc()).limit(1)
            return conn.execute(query).scalar()

    def record(
        self, *, text: str, version: str, source: str, file_version: str | None, now: datetime
    ) -> StoredPolicy:
        """Append ``text`` as the active policy."""
        values = {
            "version": version, "text": text, "source": source, "file_version": file_version,
            "applied_at": now, "replica": self.replica,
        }  # fmt: skip
        with self.engine.begin() as conn:
            new_id = conn.execute(P.insert().values(**values).returning(P.c.id)).scalar_one()
        return StoredPolicy(id=int(new_id), **values)  # type: ignore[arg-type]

    def history(self, limit: int = 20) -> list[StoredPolicy]:
        """The latest ``limit`` applied policies, newest first."""
        with reading(self.engine) as conn:
            rows = conn.execute(sa.select(P).order_by(P.c.id.desc()).limit(limit))
            return [_stored(row) for row in rows]

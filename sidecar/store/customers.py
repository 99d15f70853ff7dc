"""Customer contexts from the shop, kept for a while (a TTL) so that a requester's next
ticket is routed without asking the shop again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import sqlalchemy as sa

from router.customer import CustomerContext
from sidecar.store import schema
from sidecar.store.database import reading

C = schema.customer_contexts
CHUNK = 500
"""Keys per ``IN`` list (well under every database's parameter limit)."""


class CustomerStore:
    """Reads and replaces cached shop answers."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def fresh(
        self, shop: str, keys: Iterable[str], since: datetime
    ) -> dict[str, CustomerContext | None]:
        """The answers fetched at or after ``since`` for ``keys``: a context, or None where
        the shop did not know the requester. Keys without a fresh answer are left out."""
        wanted = sorted(set(keys))
        found: dict[str, CustomerContext | None] = {}
        with reading(self.engine) as conn:
            for start in range(0, len(wanted), CHUNK):
                query = sa.select(C.c.key, C.c.context).where(
                    C.c.shop == shop,
                    C.c.key.in_(wanted[start : start + CHUNK]),
                    C.c.fetched_at >= since,
                )
                for key, text in conn.execute(query):
                    if text is None:
                        found[key] = None
                    elif (context := _context(text)) is not None:
                        found[key] = context
        return found

    def save(self, shop: str, answers: Mapping[str, CustomerContext | None], now: datetime) -> None:
        """Replace the cached answers of ``answers``' keys (None: unknown to the shop)."""
        if not answers:
            return
        keys = list(answers)
        with self.engine.begin() as conn:
            for start in range(0, len(keys), CHUNK):
                chunk = keys[start : start + CHUNK]
                conn.execute(C.delete().where(C.c.shop == shop, C.c.key.in_(chunk)))
            rows = [
                {"shop": shop, "key": key, "fetched_at": now,
                 "context": None if value is None else value.model_dump_json()}
                for key, value in answers.items()
            ]  # fmt: skip
            conn.execute(C.insert(), rows)


def _context(text: str) -> CustomerContext | None:
    """The stored context; None when a row no longer validates (an older shape): asked again."""
    try:
        return CustomerContext.model_validate_json(text)
    except ValueError:
        return None

"""RT 5.0.3 REST 2 payloads shaped like the real server's (see docs/request-tracker.md)."""

from __future__ import annotations

from typing import Any

URL = "http://127.0.0.1:8081/REST/2.0"


def ref(kind: str, ident: str | int) -> dict[str, Any]:
    """An RT object reference as REST 2 writes it."""
    return {"type": kind, "id": ident, "_url": f"{URL}/{kind}/{ident}"}


def search_item(ident: int, **fields: Any) -> dict[str, Any]:
    """A ``GET /tickets`` item asked for with ``fields=`` (string id, queue with its name)."""
    item: dict[str, Any] = {
        "id": str(ident),
        "type": "ticket",
        "_url": f"{URL}/ticket/{ident}",
        "Subject": f"Ticket {ident}",
        "Status": "new",
        "Priority": "50",
        "Queue": {**ref("queue", "3"), "Name": "Billing"},
        "Owner": ref("user", "Nobody"),
        "Created": "2026-11-25T00:37:46Z",
        "LastUpdated": "2026-11-25T00:37:46Z",
        "Due": "1970-01-01T00:00:00Z",
        "CustomFields": "",
        "Requestor": [ref("user", "customer1@example.com")],
    }
    item.update(fields)
    return item


def ticket(ident: int, **fields: Any) -> dict[str, Any]:
    """``GET /ticket/:id``: an integer id and a queue reference without its name."""
    raw = search_item(ident, **{"Queue": ref("queue", "3"), **fields})
    raw["id"] = ident
    raw["_hyperlinks"] = [{"ref": "self", **ref("ticket", ident)}]
    return raw


def collection(items: list[dict[str, Any]], per_page: int, page: int = 1) -> dict[str, Any]:
    """A REST 2 collection page."""
    return {
        "count": len(items),
        "page": page,
        "per_page": per_page,
        "pages": None,
        "total": None,
        "items": items,
    }

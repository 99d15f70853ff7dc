"""Freshdesk v2 payloads shaped like real API responses (flat bodies, numeric codes)."""

from __future__ import annotations

from typing import Any


def ticket(**changes: Any) -> dict[str, Any]:
    """A ticket as ``GET /api/v2/tickets?include=description`` returns it."""
    body: dict[str, Any] = {
        "cc_emails": [],
        "fwd_emails": [],
        "reply_cc_emails": [],
        "ticket_cc_emails": [],
        "ticket_bcc_emails": [],
        "fr_escalated": False,
        "spam": False,
        "email_config_id": 60000012345,
        "group_id": 60000111,
        "priority": 3,
        "requester_id": 60012345678,
        "responder_id": None,
        "source": 2,
        "company_id": None,
        "status": 2,
        "subject": "Package arrived damaged",
        "association_type": None,
        "support_email": "help@acme.test",
        "to_emails": ["help@acme.test"],
        "product_id": None,
        "id": 21,
        "type": "Problem",
        "due_by": "2024-03-04T17:00:00Z",
        "fr_due_by": "2024-03-02T12:00:00Z",
        "is_escalated": False,
        "custom_fields": {"cf_region": "emea"},
        "created_at": "2024-03-01T08:02:11Z",
        "updated_at": "2024-03-01T08:05:59Z",
        "associated_tickets_count": None,
        "tags": ["damaged"],
        "nr_due_by": None,
        "nr_escalated": False,
        "structured_description": None,
        "description": "<div>The box was crushed.</div>",
        "description_text": "The box was crushed.",
    }
    body.update(changes)
    return body


def agent(**changes: Any) -> dict[str, Any]:
    """An agent object."""
    body: dict[str, Any] = {
        "available": True,
        "occasional": False,
        "id": 60000777,
        "signature": None,
        "ticket_scope": 1,
        "created_at": "2023-01-10T10:00:00Z",
        "updated_at": "2024-02-01T10:00:00Z",
        "last_active_at": "2024-03-01T07:55:00Z",
        "available_since": "2024-03-01T07:55:00Z",
        "type": "support_agent",
        "contact": {
            "active": True,
            "email": "noor@acme.test",
            "job_title": None,
            "language": "de",
            "mobile": None,
            "name": "Noor Haddad",
            "phone": None,
            "time_zone": "Berlin",
            "created_at": "2023-01-10T10:00:00Z",
            "updated_at": "2024-02-01T10:00:00Z",
        },
    }
    body.update(changes)
    return body

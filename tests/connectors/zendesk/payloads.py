"""Zendesk payloads shaped like real API responses (field set of 2023–24 recordings)."""

from __future__ import annotations

from typing import Any


def ticket(**changes: Any) -> dict[str, Any]:
    """A ticket object as the list, show and incremental-export endpoints return it."""
    body: dict[str, Any] = {
        "url": "https://acme.zendesk.test/api/v2/tickets/4016.json",
        "id": 4016,
        "external_id": None,
        "via": {
            "channel": "email",
            "source": {
                "from": {"address": "kim@example.org", "name": "Kim"},
                "to": {"address": "help@acme.test"},
                "rel": None,
            },
        },
        "created_at": "2024-02-12T09:14:03Z",
        "updated_at": "2024-02-12T09:20:41Z",
        "generated_timestamp": 1707729641,
        "type": "incident",
        "subject": "Refund not received",
        "raw_subject": "Refund not received",
        "description": "I returned the parcel two weeks ago and still no refund.",
        "priority": "high",
        "status": "new",
        "recipient": "help@acme.test",
        "requester_id": 1902345678123,
        "submitter_id": 1902345678123,
        "assignee_id": None,
        "organization_id": 1900000111222,
        "group_id": 360001,
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "forum_topic_id": None,
        "problem_id": None,
        "has_incidents": False,
        "is_public": True,
        "due_at": None,
        "tags": ["refund", "VIP"],
        "custom_fields": [{"id": 360012, "value": "eu"}],
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "custom_status_id": 17,
        "fields": [{"id": 360012, "value": "eu"}],
        "followup_ids": [],
        "ticket_form_id": 360000,
        "brand_id": 360005,
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
    }
    body.update(changes)
    return body


def user(**changes: Any) -> dict[str, Any]:
    """An agent user object."""
    body: dict[str, Any] = {
        "id": 1903456789001,
        "url": "https://acme.zendesk.test/api/v2/users/1903456789001.json",
        "name": "Ines Duarte",
        "email": "ines@acme.test",
        "created_at": "2023-08-01T10:00:00Z",
        "updated_at": "2024-02-01T10:00:00Z",
        "time_zone": "Lisbon",
        "iana_time_zone": "Europe/Lisbon",
        "locale": "pt-BR",
        "locale_id": 19,
        "role": "agent",
        "role_type": None,
        "custom_role_id": None,
        "active": True,
        "verified": True,
        "suspended": False,
        "default_group_id": 360001,
        "tags": [],
        "user_fields": {"deskroute_skills": "billing:7 refunds spanish:3"},
    }
    body.update(changes)
    return body


def cursor_page(key: str, items: list[Any], *, more: bool, after: str = "xyz") -> dict[str, Any]:
    """A cursor-paginated list; ``links.next`` is set even on the last page, as Zendesk does."""
    return {
        key: items,
        "meta": {"has_more": more, "after_cursor": after, "before_cursor": None},
        "links": {
            "next": f"https://acme.zendesk.test/api/v2/{key}.json?page[after]={after}",
            "prev": None,
        },
    }


def availability(agent_id: int, status: str | None) -> dict[str, Any]:
    """An Agent Availability API record; ``status`` None: omnichannel routing is off."""
    attributes: dict[str, Any] = {"agent_id": agent_id, "group_ids": [], "skills": [], "version": 1}
    if status is not None:
        attributes["agent_status"] = {
            "id": {"offline": 2, "online": 3, "away": 4}[status],
            "name": status,
            "reason": "PUBLIC_API",
            "updated_at": "2024-02-12T08:00:00Z",
        }
    return {
        "type": "agent_availabilities",
        "id": f"agent_availabilities|{agent_id}",
        "attributes": attributes,
    }


def schedule(**changes: Any) -> dict[str, Any]:
    """A business-hours schedule: Mon-Fri 09:00-17:00 in Berlin (minutes since Sunday 00:00)."""
    body: dict[str, Any] = {
        "id": 360000123,
        "name": "Support hours",
        "time_zone": "Berlin",
        "created_at": "2023-01-10T10:00:00Z",
        "updated_at": "2023-01-10T10:00:00Z",
        "intervals": [
            {"start_time": day * 1440 + 540, "end_time": day * 1440 + 1020} for day in range(1, 6)
        ],
    }
    body.update(changes)
    return body


def audit(
    author: int,
    at: str,
    *,
    assignee: tuple[Any, Any] | None = None,
    group: tuple[Any, Any] | None = None,
    audit_id: int = 1,
) -> dict[str, Any]:
    """A ticket audit with ``Change`` events (previous, new) for the assignee and group; ids
    in the values are strings, as Zendesk's audit events carry them."""
    events = []
    for field, change in (("assignee_id", assignee), ("group_id", group)):
        if change is not None:
            before, after = (None if v is None else str(v) for v in change)
            events.append(
                {
                    "id": len(events) + 1,
                    "type": "Change",
                    "field_name": field,
                    "value": after,
                    "previous_value": before,
                }
            )
    return {
        "id": audit_id,
        "ticket_id": 1,
        "author_id": author,
        "created_at": at,
        "via": {"channel": "api", "source": {}},
        "metadata": {"system": {}, "custom": {}},
        "events": events,
    }

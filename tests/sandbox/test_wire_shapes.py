"""Every object the sandbox sends carries the fields a real one does, with the real JSON types.

The field tables are written from the vendors' documentation (the URL above each table)
and from records of real accounts; a client library that reads a field finds it there,
typed as the vendor types it (timestamps as ``YYYY-MM-DDTHH:MM:SSZ`` strings, never null
where the real service always has one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests

from sandbox import SandboxHandle

Check = Callable[[Any], bool]


def kind(*types: type | None) -> Check:
    """A JSON value of one of ``types`` (None: null; int never accepts a bool)."""

    def check(value: Any) -> bool:
        return any(
            value is None
            if t is None
            else isinstance(value, t) and not (t is int and isinstance(value, bool))
            for t in types
        )

    return check


STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def time(nullable: bool = False) -> Check:
    """An ISO-8601 UTC timestamp (or null when ``nullable``)."""
    return lambda value: (
        (nullable and value is None) or (isinstance(value, str) and bool(STAMP.match(value)))
    )


def minutes(value: Any) -> bool:
    """A ticket metric time object: calendar and business minutes, each int or null."""
    return (
        isinstance(value, dict)
        and set(value) >= {"calendar", "business"}
        and all(kind(int, None)(value[k]) for k in ("calendar", "business"))
    )


STR, INT, BOOL, DICT, LIST = kind(str), kind(int), kind(bool), kind(dict), kind(list)
OPT_STR, OPT_INT, OPT_BOOL, OPT_DICT = (
    kind(str, None),
    kind(int, None),
    kind(bool, None),
    kind(dict, None),
)
ID_STR_OR_NULL = kind(str, None)

# https://developer.zendesk.com/api-reference/ticketing/users/users/ (UserObject / UserForAdmin)
ZENDESK_USER = {
    "url": STR,
    "id": INT,
    "name": STR,
    "email": STR,
    "created_at": time(),
    "updated_at": time(),
    "time_zone": STR,
    "iana_time_zone": STR,
    "locale": STR,
    "locale_id": INT,
    "role": STR,
    "role_type": OPT_INT,
    "custom_role_id": OPT_INT,
    "active": BOOL,
    "verified": BOOL,
    "suspended": BOOL,
    "last_login_at": time(True),
    "tags": LIST,
    "user_fields": DICT,
    "default_group_id": OPT_INT,
    "organization_id": OPT_INT,
    "shared": BOOL,
    "shared_agent": BOOL,
    "restricted_agent": BOOL,
    "ticket_restriction": OPT_STR,
    "moderator": BOOL,
    "only_private_comments": BOOL,
    "photo": OPT_DICT,
    "phone": OPT_STR,
    "shared_phone_number": OPT_BOOL,
    "details": OPT_STR,
    "notes": OPT_STR,
    "signature": OPT_STR,
    "external_id": OPT_STR,
    "alias": OPT_STR,
    "two_factor_auth_enabled": OPT_BOOL,
    "report_csv": BOOL,
    "chat_only": BOOL,
}
# https://developer.zendesk.com/api-reference/ticketing/groups/groups/ (GroupObject)
ZENDESK_GROUP = {
    "url": STR,
    "id": INT,
    "name": STR,
    "description": STR,
    "default": BOOL,
    "deleted": BOOL,
    "is_public": BOOL,
    "created_at": time(),
    "updated_at": time(),
}
# https://developer.zendesk.com/api-reference/ticketing/groups/group_memberships/
ZENDESK_MEMBERSHIP = {
    "url": STR,
    "id": INT,
    "user_id": INT,
    "group_id": INT,
    "default": BOOL,
    "created_at": time(),
    "updated_at": time(),
}
# https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/ (TicketObject)
ZENDESK_TICKET = {
    "url": STR,
    "id": INT,
    "external_id": OPT_STR,
    "via": DICT,
    "created_at": time(),
    "updated_at": time(),
    "type": OPT_STR,
    "subject": STR,
    "raw_subject": STR,
    "description": STR,
    "priority": OPT_STR,
    "status": STR,
    "recipient": OPT_STR,
    "requester_id": INT,
    "submitter_id": INT,
    "assignee_id": OPT_INT,
    "organization_id": OPT_INT,
    "group_id": OPT_INT,
    "collaborator_ids": LIST,
    "follower_ids": LIST,
    "email_cc_ids": LIST,
    "problem_id": OPT_INT,
    "has_incidents": BOOL,
    "is_public": BOOL,
    "due_at": time(True),
    "tags": LIST,
    "custom_fields": LIST,
    "fields": LIST,
    "sharing_agreement_ids": LIST,
    "followup_ids": LIST,
    "brand_id": INT,
    "allow_channelback": BOOL,
    "allow_attachments": BOOL,
    "from_messaging_channel": BOOL,
}
# https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_metrics/
ZENDESK_METRIC_SET = {
    "url": STR,
    "id": INT,
    "ticket_id": INT,
    "created_at": time(),
    "updated_at": time(),
    "group_stations": INT,
    "assignee_stations": INT,
    "reopens": INT,
    "replies": INT,
    "assignee_updated_at": time(True),
    "requester_updated_at": time(True),
    "status_updated_at": time(True),
    "initially_assigned_at": time(True),
    "assigned_at": time(True),
    "solved_at": time(True),
    "latest_comment_added_at": time(True),
    "reply_time_in_minutes": minutes,
    "first_resolution_time_in_minutes": minutes,
    "full_resolution_time_in_minutes": minutes,
    "agent_wait_time_in_minutes": minutes,
    "requester_wait_time_in_minutes": minutes,
    "on_hold_time_in_minutes": minutes,
}
# https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/
ZENDESK_AUDIT = {
    "id": INT,
    "ticket_id": INT,
    "created_at": time(),
    "author_id": INT,
    "metadata": DICT,
    "via": DICT,
    "events": LIST,
}
# https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/
ZENDESK_COMMENT = {
    "id": INT,
    "type": STR,
    "author_id": INT,
    "body": STR,
    "html_body": STR,
    "plain_body": STR,
    "public": BOOL,
    "attachments": LIST,
    "audit_id": INT,
    "via": DICT,
    "created_at": time(),
    "metadata": DICT,
}
# https://developer.zendesk.com/api-reference/ticketing/ticket-management/job_statuses/
ZENDESK_JOB = {
    "id": STR,
    "url": STR,
    "total": OPT_INT,
    "progress": OPT_INT,
    "status": STR,
    "job_type": STR,
    "message": OPT_STR,
    "results": kind(list, None),
}

# https://developer.freshdesk.com/api/#tickets (with include=requester,stats,description)
FRESHDESK_TICKET = {
    "id": INT,
    "subject": STR,
    "description": STR,
    "description_text": STR,
    "status": INT,
    "priority": INT,
    "source": INT,
    "type": OPT_STR,
    "tags": LIST,
    "group_id": OPT_INT,
    "responder_id": OPT_INT,
    "requester_id": INT,
    "company_id": OPT_INT,
    "product_id": OPT_INT,
    "email_config_id": OPT_INT,
    "cc_emails": LIST,
    "fwd_emails": LIST,
    "reply_cc_emails": LIST,
    "to_emails": kind(list, None),
    "due_by": time(True),
    "fr_due_by": time(True),
    "fr_escalated": BOOL,
    "is_escalated": BOOL,
    "spam": BOOL,
    "custom_fields": DICT,
    "created_at": time(),
    "updated_at": time(),
    "requester": DICT,
    "stats": DICT,
}
FRESHDESK_REQUESTER = {"id": INT, "name": STR, "email": STR, "mobile": OPT_STR, "phone": OPT_STR}
FRESHDESK_STATS = {
    "agent_responded_at": time(True),
    "requester_responded_at": time(True),
    "first_responded_at": time(True),
    "status_updated_at": time(True),
    "reopened_at": time(True),
    "resolved_at": time(True),
    "closed_at": time(True),
    "pending_since": time(True),
}
# https://developer.freshdesk.com/api/#agents
FRESHDESK_AGENT = {
    "id": INT,
    "available": BOOL,
    "available_since": time(True),
    "occasional": BOOL,
    "signature": OPT_STR,
    "ticket_scope": INT,
    "type": STR,
    "skill_ids": LIST,
    "group_ids": LIST,
    "role_ids": LIST,
    "created_at": time(),
    "updated_at": time(),
    "focus_mode": BOOL,
    "contact": DICT,
}
FRESHDESK_AGENT_CONTACT = {
    "active": BOOL,
    "email": STR,
    "job_title": OPT_STR,
    "language": STR,
    "last_login_at": time(True),
    "mobile": OPT_STR,
    "name": STR,
    "phone": OPT_STR,
    "time_zone": STR,
    "created_at": time(),
    "updated_at": time(),
}
# https://developer.freshdesk.com/api/#groups (View a Group carries agent_ids)
FRESHDESK_GROUP = {
    "id": INT,
    "name": STR,
    "description": OPT_STR,
    "escalate_to": OPT_INT,
    "unassigned_for": OPT_STR,
    "business_hour_id": OPT_INT,
    "auto_ticket_assign": INT,
    "agent_ids": LIST,
    "created_at": time(),
    "updated_at": time(),
}
# https://developer.freshdesk.com/api/#conversations
FRESHDESK_CONVERSATION = {
    "id": INT,
    "body": STR,
    "body_text": STR,
    "incoming": BOOL,
    "private": BOOL,
    "user_id": INT,
    "support_email": OPT_STR,
    "source": INT,
    "ticket_id": INT,
    "to_emails": LIST,
    "from_email": OPT_STR,
    "cc_emails": LIST,
    "bcc_emails": LIST,
    "attachments": LIST,
    "last_edited_at": time(True),
    "last_edited_user_id": OPT_INT,
    "created_at": time(),
    "updated_at": time(),
}
# https://developer.freshdesk.com/api/#contacts
FRESHDESK_CONTACT = {
    "id": INT,
    "name": STR,
    "email": STR,
    "active": BOOL,
    "address": OPT_STR,
    "company_id": OPT_INT,
    "description": OPT_STR,
    "job_title": OPT_STR,
    "language": STR,
    "mobile": OPT_STR,
    "phone": OPT_STR,
    "time_zone": STR,
    "twitter_id": OPT_STR,
    "other_emails": LIST,
    "tags": LIST,
    "custom_fields": DICT,
    "created_at": time(),
    "updated_at": time(),
}


def wrong_fields(obj: dict[str, Any], table: dict[str, Check]) -> dict[str, Any]:
    """Fields of ``table`` missing from ``obj`` or of the wrong type (name -> value)."""
    return {
        name: obj.get(name, "<missing>")
        for name, check in table.items()
        if name not in obj or not check(obj[name])
    }


# -- fetching one object of each kind --------------------------------------------------------
def _zd(desk: SandboxHandle, path: str, **params: Any) -> Any:
    response = requests.get(
        f"{desk.zendesk_url}/api/v2{path}",
        params=params,
        timeout=5,
        auth=(f"{desk.email}/token", desk.api_token),
    )
    assert response.status_code == 200, response.text
    return response.json()


def _fd(desk: SandboxHandle, path: str, **params: Any) -> Any:
    response = requests.get(
        f"{desk.freshdesk_url}/api/v2{path}", params=params, timeout=5, auth=(desk.api_key, "X")
    )
    assert response.status_code == 200, response.text
    return response.json()


def _worked_ticket(desk: SandboxHandle) -> int:
    """A ticket assigned, replied to and solved, so every metric has a value."""
    store = desk.sandbox.desk
    (ticket_id,) = desk.create_tickets(1)
    agent = min(store.agents.values(), key=lambda a: a.id)
    store.update_ticket(
        ticket_id,
        {"group_id": min(agent.group_ids), "assignee_id": agent.id},
        f"human:{agent.name}",
    )
    store.add_note(ticket_id, "On it", f"human:{agent.name}", private=False, kind="reply")
    store.add_note(ticket_id, "Checking", f"human:{agent.name}", private=True, kind="note")
    store.update_ticket(ticket_id, {"status": "solved"}, f"human:{agent.name}")
    return ticket_id


def _agent_id(desk: SandboxHandle) -> int:
    return min(desk.sandbox.desk.agents)


OBJECTS: list[Any] = [
    pytest.param(
        lambda d: _zd(d, f"/users/{_agent_id(d)}.json")["user"], ZENDESK_USER, id="zendesk-agent"
    ),
    pytest.param(lambda d: _zd(d, "/users/me.json")["user"], ZENDESK_USER, id="zendesk-me"),
    pytest.param(
        lambda d: _zd(d, "/users.json", role="end-user")["users"][0],
        ZENDESK_USER,
        id="zendesk-end-user",
    ),
    pytest.param(lambda d: _zd(d, "/groups.json")["groups"][0], ZENDESK_GROUP, id="zendesk-group"),
    pytest.param(
        lambda d: _zd(d, "/group_memberships.json")["group_memberships"][0],
        ZENDESK_MEMBERSHIP,
        id="zendesk-membership",
    ),
    pytest.param(
        lambda d: _zd(d, f"/tickets/{_worked_ticket(d)}.json")["ticket"],
        ZENDESK_TICKET,
        id="zendesk-ticket",
    ),
    pytest.param(
        lambda d: _zd(d, f"/tickets/{_worked_ticket(d)}/metrics.json")["ticket_metric"],
        ZENDESK_METRIC_SET,
        id="zendesk-metric-set",
    ),
    pytest.param(
        lambda d: _zd(d, f"/tickets/{_worked_ticket(d)}/audits.json")["audits"][-1],
        ZENDESK_AUDIT,
        id="zendesk-audit",
    ),
    pytest.param(
        lambda d: _zd(d, f"/tickets/{_worked_ticket(d)}/comments.json")["comments"][1],
        ZENDESK_COMMENT,
        id="zendesk-comment",
    ),
    pytest.param(
        lambda d: requests.put(
            f"{d.zendesk_url}/api/v2/tickets/update_many.json",
            timeout=5,
            auth=(f"{d.email}/token", d.api_token),
            json={"tickets": [{"id": 1, "priority": "low"}]},
        ).json()["job_status"],
        ZENDESK_JOB,
        id="zendesk-job-status",
    ),
    pytest.param(
        lambda d: _fd(d, f"/tickets/{_worked_ticket(d)}", include="requester,stats"),
        FRESHDESK_TICKET,
        id="freshdesk-ticket",
    ),
    pytest.param(
        lambda d: _fd(d, "/tickets", include="requester,stats,description", per_page=1)[0][
            "requester"
        ],
        FRESHDESK_REQUESTER,
        id="freshdesk-requester",
    ),
    pytest.param(
        lambda d: _fd(d, f"/tickets/{_worked_ticket(d)}", include="stats")["stats"],
        FRESHDESK_STATS,
        id="freshdesk-stats",
    ),
    pytest.param(
        lambda d: _fd(d, f"/agents/{_agent_id(d)}"), FRESHDESK_AGENT, id="freshdesk-agent"
    ),
    pytest.param(lambda d: _fd(d, "/agents/me"), FRESHDESK_AGENT, id="freshdesk-me"),
    pytest.param(
        lambda d: _fd(d, "/agents")[0]["contact"],
        FRESHDESK_AGENT_CONTACT,
        id="freshdesk-agent-contact",
    ),
    pytest.param(
        lambda d: _fd(d, f"/groups/{min(d.sandbox.desk.groups)}"),
        FRESHDESK_GROUP,
        id="freshdesk-group",
    ),
    pytest.param(
        lambda d: _fd(d, f"/tickets/{_worked_ticket(d)}/conversations")[0],
        FRESHDESK_CONVERSATION,
        id="freshdesk-conversation",
    ),
    pytest.param(
        lambda d: _fd(d, f"/contacts/{d.ticket(1).requester_id}"),
        FRESHDESK_CONTACT,
        id="freshdesk-contact",
    ),
]


@pytest.mark.parametrize(("fetch", "table"), OBJECTS)
def test_objects_carry_every_documented_field_with_its_type(
    desk: SandboxHandle, fetch: Callable[[SandboxHandle], dict[str, Any]], table: dict[str, Check]
) -> None:
    assert wrong_fields(fetch(desk), table) == {}


def test_the_checker_catches_a_null_timestamp_and_a_missing_field() -> None:
    group = {
        "url": "u",
        "id": 1,
        "name": "n",
        "description": "",
        "default": False,
        "deleted": False,
        "is_public": True,
        "created_at": None,
    }
    assert wrong_fields(group, ZENDESK_GROUP) == {"created_at": None, "updated_at": "<missing>"}
    assert not INT(True) and not time()("2024-05-01 12:00:00")


def test_timestamps_of_people_and_groups_are_from_the_desk_not_now(desk: SandboxHandle) -> None:
    """Records are stamped when seeded: reading them later shows the same moment."""
    first = _zd(desk, f"/groups/{min(desk.sandbox.desk.groups)}.json")["group"]
    again = _fd(desk, f"/groups/{min(desk.sandbox.desk.groups)}")
    assert first["created_at"] == again["created_at"] == again["updated_at"]
    agent = _zd(desk, f"/users/{_agent_id(desk)}.json")["user"]
    assert agent["created_at"] == _fd(desk, f"/agents/{_agent_id(desk)}")["created_at"]

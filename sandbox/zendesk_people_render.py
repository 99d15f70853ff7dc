"""Zendesk wire shapes of people: users (agents, the API admin, requesters), groups and
group memberships, with every field the real objects carry (UserForAdmin, GroupObject and
GroupMembershipObject of the Support API reference, and records from real accounts)."""

from __future__ import annotations

from typing import Any

from sandbox.directory import Membership, Person, Stamps
from sandbox.profiles import DEFAULT_ZENDESK, ZendeskProfile, zendesk_profile
from sandbox.store import AgentRecord
from sandbox.wire import z

LOCALES = {"en": ("en-US", 1), "es": ("es", 2), "de": ("de", 8), "fr": ("fr", 16)}
"""Languages the sandbox's agents speak, as Zendesk locale tags and ids."""
SKILLS_FIELD = "deskroute_skills"
AWAY_FIELD = "deskroute_away"


def profile_user_fields(
    agent: AgentRecord | None, profile: ZendeskProfile | None = None
) -> dict[str, Any]:
    """The deskroute user fields as the account profile has them (the profile's hook).

    None on an account whose admin never created them (``zendesk-bare``). Otherwise
    ``deskroute_skills`` (``"billing:7 orders:4"``) and ``deskroute_away``, a checkbox
    (JSON boolean) that is true while the agent is away: the marker deskroute's docs ask
    admins without omnichannel routing to keep; with omnichannel on nobody ticks it.
    ``agent`` None: a person who is not an agent (the fields exist, empty).
    """
    found = profile or zendesk_profile(DEFAULT_ZENDESK)
    if not found.user_fields:
        return {}
    if agent is None:
        return {SKILLS_FIELD: None, AWAY_FIELD: False}
    skills = " ".join(f"{name}:{level}" for name, level in sorted(agent.skills.items()))
    return {SKILLS_FIELD: skills, AWAY_FIELD: not found.omnichannel and not agent.available}


def user(
    agent: AgentRecord, stamps: Stamps, base: str, profile: ZendeskProfile | None = None
) -> dict[str, Any]:
    """A Zendesk user object for an agent; ``user_fields`` as ``profile`` (the sandbox's
    ``zendesk_profile``; None: the default profile) has them."""
    body = _user_base(agent.id, agent.name, agent.email, stamps, base, agent.language)
    return body | {
        "role": "agent",
        "role_type": None,
        "moderator": False,
        "restricted_agent": False,
        "ticket_restriction": None,
        "report_csv": False,
        "signature": "",
        "last_login_at": z(stamps.created_at),
        "user_fields": profile_user_fields(agent, profile),
        "default_group_id": min(agent.group_ids, default=None),
    }


def person(who: Person, base: str, profile: ZendeskProfile | None = None) -> dict[str, Any]:
    """A Zendesk user object for the API administrator or a requester (end-user)."""
    body = _user_base(who.id, who.name, who.email, who.stamps, base, "en")
    admin = who.role == "admin"
    return body | {
        "role": who.role,
        "role_type": 4 if admin else None,
        "moderator": admin,
        "restricted_agent": not admin,
        "ticket_restriction": None if admin else "requested",
        "report_csv": admin,
        "signature": "" if admin else None,
        "last_login_at": z(who.stamps.updated_at) if admin else None,
        "user_fields": profile_user_fields(None, profile),
        "default_group_id": None,
    }


def _user_base(
    user_id: int, name: str, email: str, stamps: Stamps, base: str, language: str
) -> dict[str, Any]:
    locale, locale_id = LOCALES.get(language, (language, 1))
    return {
        "id": user_id,
        "url": f"{base}/api/v2/users/{user_id}.json",
        "name": name,
        "email": email,
        "created_at": z(stamps.created_at),
        "updated_at": z(stamps.updated_at),
        "time_zone": "UTC",
        "iana_time_zone": "Etc/UTC",
        "phone": None,
        "shared_phone_number": None,
        "photo": None,
        "locale_id": locale_id,
        "locale": locale,
        "organization_id": None,
        "verified": True,
        "external_id": None,
        "tags": [],
        "alias": "",
        "active": True,
        "shared": False,
        "shared_agent": False,
        "two_factor_auth_enabled": None,
        "details": "",
        "notes": "",
        "custom_role_id": None,
        "only_private_comments": False,
        "suspended": False,
        "chat_only": False,
    }


def group(group_id: int, name: str, stamps: Stamps, base: str, default: bool) -> dict[str, Any]:
    """A Zendesk group object."""
    return {
        "url": f"{base}/api/v2/groups/{group_id}.json",
        "id": group_id,
        "is_public": True,
        "name": name,
        "description": "",
        "default": default,
        "deleted": False,
        "created_at": z(stamps.created_at),
        "updated_at": z(stamps.updated_at),
    }


def membership(found: Membership, base: str) -> dict[str, Any]:
    """A Zendesk group membership object."""
    return {
        "url": f"{base}/api/v2/group_memberships/{found.id}.json",
        "id": found.id,
        "user_id": found.user_id,
        "group_id": found.group_id,
        "default": found.default,
        "created_at": z(found.stamps.created_at),
        "updated_at": z(found.stamps.updated_at),
    }

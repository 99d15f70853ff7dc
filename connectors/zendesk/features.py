"""Which optional Zendesk features an account has, and what the connector uses because of it.

``probe`` asks the account (four or five reads); ``decide`` is pure: from the settings and
what the account answered it picks the sources of availability and skills, and words the
features, sources and suggested fixes that ``deskroute doctor`` shows and the connector logs
once. A 403 or 404 on an optional endpoint means "not on this plan or not switched on"
(Airbyte's Zendesk source treats them the same way); a 401 is a credentials problem and is
raised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.account import Discovery, Feature, Fix, Sources
from connectors.errors import FatalError, SkippableError
from connectors.skills import parse_skills
from connectors.zendesk import presence
from router.schedule import Schedule

OMNICHANNEL, SCHEDULE, ALL_AGENTS = "omnichannel", "schedule", "all_agents"
ROUTING_ATTRIBUTES, USER_FIELD, NO_SKILLS = "routing_attributes", "user_field", "none"
AUTO = "auto"
SKILLS_FIELD = "deskroute_skills"
REFUSED = (403, 404)
LOADS = (
    "open tickets from search, reconciled with deskroute's own assignments "
    "(Zendesk's search index trails writes by minutes)"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Probes:
    """What the account answered on the optional endpoints."""

    agent_status: bool
    availability_detail: str
    schedules: tuple[Mapping[str, Any], ...] | None
    """The business-hours schedules; None when the endpoint was refused."""
    schedule: Schedule | None = None
    """The chosen schedule with its holidays, when one could be read."""
    schedule_detail: str = ""
    attributes: int | None = None
    """Skill types (routing attributes) defined; None when the API was refused."""
    user_fields: frozenset[str] = frozenset()
    """Which of deskroute's user fields exist (``deskroute_skills``, ``deskroute_away``)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ZendeskModes:
    """The sources the connector reads on this account."""

    availability: str
    schedule: Schedule | None
    skills: str


def refused(read: Callable[[], Any]) -> tuple[Any, str | None]:
    """``read()``, or None and the reason when the account refuses it (403/404)."""
    try:
        return read(), None
    except (FatalError, SkippableError) as error:
        if error.status not in REFUSED:
            raise
        return None, f"HTTP {error.status}: {error}"


def decide(availability: str, skills: str, probes: Probes) -> tuple[ZendeskModes, Discovery]:
    """The modes to use and how to describe them, from the settings and the probes."""
    presence_mode, presence_fixes = _availability(availability, probes)
    skills_mode, skills_fixes = _skills(skills, probes)
    modes = ZendeskModes(
        availability=presence_mode,
        skills=skills_mode,
        schedule=probes.schedule if presence_mode == SCHEDULE else None,
    )
    sources = Sources(
        availability=_describe_presence(modes, probes),
        skills=_describe_skills(skills_mode),
        loads=LOADS,
    )
    return modes, Discovery(
        features=_features(probes), sources=sources, fixes=(*presence_fixes, *skills_fixes)
    )


def _availability(setting: str, probes: Probes) -> tuple[str, list[Fix]]:
    fixes: list[Fix] = []
    has_schedule = probes.schedule is not None
    if setting in (AUTO, OMNICHANNEL) and probes.agent_status:
        return OMNICHANNEL, fixes
    if setting == OMNICHANNEL:
        fixes.append(
            Fix(
                problem="DESKROUTE_ZENDESK__AVAILABILITY=omnichannel, but this account "
                "returns no unified agent status (omnichannel routing is off)",
                setting="turn on omnichannel routing in Admin Center, or set "
                "DESKROUTE_ZENDESK__AVAILABILITY=auto",
            )
        )
    if setting == SCHEDULE and not has_schedule:
        fixes.append(
            Fix(
                problem="DESKROUTE_ZENDESK__AVAILABILITY=schedule, but no business-"
                "hours schedule could be read",
                setting="add a schedule in Admin "
                "Center › Objects and rules › Schedules, or set "
                "DESKROUTE_ZENDESK__SCHEDULE_ID to one that exists",
            )
        )
    mode = SCHEDULE if setting != ALL_AGENTS and has_schedule else ALL_AGENTS
    if presence.AWAY_MARKER not in probes.user_fields:
        fixes.append(
            Fix(
                problem="without omnichannel routing agents cannot step away",
                setting=f"add a checkbox user field '{presence.AWAY_MARKER}' (Admin "
                "Center › People › User fields), or turn on omnichannel routing",
            )
        )
    return mode, fixes


def _skills(setting: str, probes: Probes) -> tuple[str, list[Fix]]:
    fixes: list[Fix] = []
    has_api = bool(probes.attributes)
    has_field = SKILLS_FIELD in probes.user_fields
    if setting in (AUTO, ROUTING_ATTRIBUTES) and has_api:
        return ROUTING_ATTRIBUTES, fixes
    if setting == ROUTING_ATTRIBUTES:
        fixes.append(
            Fix(
                problem="DESKROUTE_ZENDESK__SKILLS=routing_attributes, but the skills "
                "API is refused or has no skill types",
                setting="define skills in "
                "Admin Center (Enterprise), or set DESKROUTE_ZENDESK__SKILLS=auto",
            )
        )
    if setting == NO_SKILLS:
        return NO_SKILLS, fixes
    if not has_field:
        fixes.append(
            Fix(
                problem="no skills are defined: routing uses groups and load only",
                setting=f"add a text user field '{SKILLS_FIELD}' (\"billing:7 "
                'refunds") or Zendesk skills (routing attributes, Enterprise)',
            )
        )
        return NO_SKILLS, fixes
    return USER_FIELD, fixes


def _features(probes: Probes) -> tuple[Feature, ...]:
    schedules = probes.schedules
    return (
        Feature(
            name="omnichannel agent status",
            present=probes.agent_status,
            detail=probes.availability_detail,
        ),
        Feature(
            name="business-hours schedules", present=bool(schedules), detail=probes.schedule_detail
        ),
        Feature(
            name="skills API (routing attributes)",
            present=bool(probes.attributes),
            detail="refused" if probes.attributes is None else f"{probes.attributes} skill types",
        ),
        Feature(name=f"user field {SKILLS_FIELD}", present=SKILLS_FIELD in probes.user_fields),
        Feature(
            name=f"user field {presence.AWAY_MARKER}",
            present=presence.AWAY_MARKER in probes.user_fields,
        ),
    )


def _describe_presence(modes: ZendeskModes, probes: Probes) -> str:
    away = (
        f"; an agent steps away with the user field '{presence.AWAY_MARKER}'"
        if presence.AWAY_MARKER in probes.user_fields
        else ""
    )
    if modes.availability == OMNICHANNEL:
        return "omnichannel routing's unified agent status (online, away, offline)"
    if modes.availability == SCHEDULE:
        return f"the business-hours schedule {probes.schedule_detail}{away}"
    return f"every active agent, around the clock (no agent status, no schedule){away}"


def _describe_skills(mode: str) -> str:
    if mode == ROUTING_ATTRIBUTES:
        return (
            "Zendesk skills (routing attributes) of agents and tickets; levels from "
            f"'name:level' value names or the '{SKILLS_FIELD}' field, else 5"
        )
    if mode == USER_FIELD:
        return f"the user field '{SKILLS_FIELD}' (\"billing:7 refunds\", level 5 by default)"
    return "none: routing by group, language and load"


def field_skills(user: Mapping[str, Any]) -> dict[str, int]:
    """Skills written in the user's ``deskroute_skills`` field."""
    return parse_skills((user.get("user_fields") or {}).get(SKILLS_FIELD))


def deskroute_fields(users: list[Mapping[str, Any]]) -> frozenset[str]:
    """Which deskroute user fields the account has: real users list every field's key."""
    keys = {key for user in users for key in (user.get("user_fields") or {})}
    return frozenset(keys & {SKILLS_FIELD, presence.AWAY_MARKER})

"""Account profiles: the real account variants the sandbox can imitate, plan by plan.

A real help desk is not one thing: Zendesk Suite Team has no business-hours schedules and
no omnichannel routing, skill-based routing (routing attributes) is Enterprise-only,
Freshdesk's skills belong to its top plan. Each profile names one such variant, sets the
account's rate limit through its plan, and cites the vendor documents it follows. Where the
documents are silent the profile takes the reading less convenient for an integration and
says so in its summary (see docs/sandbox.md, "Account profiles").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from connectors.plans import FRESHDESK_PLANS, ZENDESK_PLANS

AvailabilityApi = Literal["status", "no_status", "forbidden"]
AVAILABILITY_APIS = ("status", "no_status", "forbidden")

ZD_LIMITS = "https://developer.zendesk.com/api-reference/introduction/rate-limits/"
ZD_PLAN_LIMITS = "https://support.zendesk.com/hc/en-us/articles/4408836402074"
ZD_AVAILABILITY = (
    "https://developer.zendesk.com/api-reference/agent-availability/"
    "agent-availability-api/agent_availability_attributes/"
)
ZD_SKILLS = (
    "https://developer.zendesk.com/api-reference/ticketing/ticket-management/skill_based_routing/"
)
ZD_SCHEDULES = "https://developer.zendesk.com/api-reference/ticketing/ticket-management/schedules/"
ZD_SCHEDULE_PLANS = "https://support.zendesk.com/hc/en-us/articles/203662206"
ZD_SAFE_UPDATE = (
    "https://developer.zendesk.com/documentation/ticketing/managing-tickets/"
    "creating-and-updating-tickets/#protecting-against-ticket-update-collisions"
)
FD_LIMITS = "https://developer.freshdesk.com/api/#ratelimit"
FD_SKILLS_API = "https://developer.freshdesk.com/api/#skills"
FD_SKILL_PLANS = "https://support.freshdesk.com/support/solutions/articles/222692"


@dataclass(frozen=True, kw_only=True, slots=True)
class ZendeskProfile:
    """One Zendesk account variant: its plan and which optional features answer."""

    name: str
    plan: str
    """Key of ``connectors.plans.ZENDESK_PLANS`` (sets the account's requests per minute)."""
    omnichannel: bool
    """Omnichannel routing on: ``agent_availabilities`` carries ``agent_status``."""
    availability_api: AvailabilityApi
    """What ``GET agent_availabilities`` answers: records with or without a status, or 403."""
    skills_api: bool
    """``/api/v2/routing/...`` (routing attributes, i.e. skills) answered; else 403."""
    schedules: int
    """Business-hours schedules on the account (0: the Schedules API answers 403)."""
    user_fields: bool
    """The ``deskroute_skills`` and ``deskroute_away`` user fields exist."""
    bulk_safe_update: bool
    """``update_many`` honours a per-ticket ``safe_update`` + ``updated_stamp``."""
    summary: str
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.plan not in ZENDESK_PLANS:
            raise ValueError(f"{self.name}: unknown Zendesk plan {self.plan!r}")
        if self.availability_api not in AVAILABILITY_APIS:
            raise ValueError(f"{self.name}: availability_api must be one of {AVAILABILITY_APIS}")
        if self.omnichannel != (self.availability_api == "status"):
            raise ValueError(
                f"{self.name}: agent_status is answered exactly when omnichannel routing is on"
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class FreshdeskProfile:
    """One Freshdesk account variant: its plan and whether it has skills."""

    name: str
    plan: str
    """Key of ``connectors.plans.FRESHDESK_PLANS``."""
    skills: bool
    """``admin/skills`` answered and agents carry ``skill_ids``; else 403 require_feature."""
    summary: str
    sources: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.plan not in FRESHDESK_PLANS:
            raise ValueError(f"{self.name}: unknown Freshdesk plan {self.plan!r}")


Profile = ZendeskProfile | FreshdeskProfile
_ZENDESK_COMMON = (ZD_LIMITS, ZD_PLAN_LIMITS, ZD_AVAILABILITY, ZD_SAFE_UPDATE)


def _zendesk(
    name: str,
    plan: str,
    *,
    omnichannel: bool,
    skills_api: bool,
    schedules: int,
    summary: str,
    user_fields: bool = True,
    forbidden: bool = False,
    extra: tuple[str, ...] = (),
) -> ZendeskProfile:
    availability: AvailabilityApi = (
        "forbidden" if forbidden else "status" if omnichannel else "no_status"
    )
    return ZendeskProfile(
        name=name,
        plan=plan,
        omnichannel=omnichannel,
        availability_api=availability,
        skills_api=skills_api,
        schedules=schedules,
        user_fields=user_fields,
        bulk_safe_update=False,
        summary=summary,
        sources=_ZENDESK_COMMON + extra,
    )


def _freshdesk(name: str, plan: str, skills: bool, summary: str) -> FreshdeskProfile:
    return FreshdeskProfile(
        name=name,
        plan=plan,
        skills=skills,
        summary=summary,
        sources=(FD_LIMITS, FD_SKILLS_API, FD_SKILL_PLANS),
    )


_ALL: tuple[Profile, ...] = (
    _zendesk(
        "zendesk-team",
        "team",
        omnichannel=False,
        skills_api=False,
        schedules=0,
        forbidden=True,
        extra=(ZD_SCHEDULE_PLANS, ZD_SKILLS),
        summary="Suite Team, 200/min: agent availability refused (403, assumed), no "
        "schedules, no skills API, deskroute user fields set up",
    ),
    _zendesk(
        "zendesk-professional",
        "professional",
        omnichannel=False,
        skills_api=False,
        schedules=1,
        extra=(ZD_SCHEDULES, ZD_SCHEDULE_PLANS, ZD_SKILLS),
        summary="Suite Professional, 400/min (default): no omnichannel routing "
        "(availability without agent_status), one schedule, no skills API",
    ),
    _zendesk(
        "zendesk-omnichannel",
        "professional",
        omnichannel=True,
        skills_api=False,
        schedules=1,
        extra=(ZD_SCHEDULES, ZD_SCHEDULE_PLANS, ZD_SKILLS),
        summary="Suite Professional, 400/min, omnichannel routing on (agent_status), "
        "one schedule, no skills API",
    ),
    _zendesk(
        "zendesk-enterprise",
        "enterprise",
        omnichannel=True,
        skills_api=True,
        schedules=3,
        extra=(ZD_SKILLS, ZD_SCHEDULES, ZD_SCHEDULE_PLANS),
        summary="Suite Enterprise, 700/min: omnichannel routing, skills API (routing "
        "attributes), three schedules",
    ),
    _zendesk(
        "zendesk-enterprise-classic",
        "enterprise",
        omnichannel=False,
        skills_api=True,
        schedules=3,
        extra=(ZD_SKILLS, ZD_SCHEDULES, ZD_SCHEDULE_PLANS),
        summary="Suite Enterprise, 700/min, classic skills-based routing: skills API "
        "on, omnichannel off (no agent_status), three schedules",
    ),
    _zendesk(
        "zendesk-bare",
        "professional",
        omnichannel=False,
        skills_api=False,
        schedules=0,
        user_fields=False,
        extra=(ZD_SCHEDULES, ZD_SKILLS),
        summary="Suite Professional, 400/min, nothing set up: no omnichannel, no "
        "schedule, no skills API, no deskroute user fields",
    ),
    _freshdesk(
        "freshdesk-growth",
        "growth",
        False,
        "Growth, 200/min: no skills (admin/skills answers 403 require_feature)",
    ),
    _freshdesk(
        "freshdesk-pro",
        "pro",
        False,
        "Pro, 400/min (default): no skills (skill-based assignment is Enterprise-only)",
    ),
    _freshdesk(
        "freshdesk-enterprise",
        "enterprise",
        True,
        "Enterprise, 700/min: skills (admin/skills, agents' skill_ids)",
    ),
)
PROFILES: Mapping[str, Profile] = MappingProxyType({p.name: p for p in _ALL})
DEFAULT_ZENDESK = "zendesk-professional"
DEFAULT_FRESHDESK = "freshdesk-pro"


def profile(name: str) -> Profile:
    """The profile called ``name``; ValueError naming the known ones otherwise."""
    found = PROFILES.get(name.strip().lower())
    if found is None:
        raise ValueError(f"unknown account profile {name!r} (known: {', '.join(PROFILES)})")
    return found


def zendesk_profile(name: str) -> ZendeskProfile:
    """The Zendesk profile called ``name`` (ValueError for a Freshdesk or unknown name)."""
    found = profile(name)
    if not isinstance(found, ZendeskProfile):
        raise ValueError(f"{name!r} is a Freshdesk profile, not a Zendesk one")
    return found


def freshdesk_profile(name: str) -> FreshdeskProfile:
    """The Freshdesk profile called ``name`` (ValueError for a Zendesk or unknown name)."""
    found = profile(name)
    if not isinstance(found, FreshdeskProfile):
        raise ValueError(f"{name!r} is a Zendesk profile, not a Freshdesk one")
    return found

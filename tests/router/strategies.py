"""Hypothesis strategies for random rosters, tickets and eligibility settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from router.model import Agent, Ticket
from router.roster import Roster
from tests.router.builders import NOW

SKILLS = ("billing", "refunds", "delivery", "german")
GROUPS = ("billing", "shipping", "tier2")
LANGUAGES = ("en", "de", "fr")
PREVIOUS_AGENTS = ("a000", "a001", "a002", "a003", "a070", "gone")
"""Who last handled a ticket's requester: agents of small and large random rosters, and
one on none of them."""

levels = st.integers(min_value=1, max_value=10)
skill_maps = st.dictionaries(st.sampled_from(SKILLS), levels, max_size=3)
minutes_ago = st.integers(min_value=0, max_value=600).map(lambda m: NOW - timedelta(minutes=m))


@st.composite
def schedules(draw: st.DrawFn) -> dict[str, Any] | None:
    """No schedule, or one weekly shift (possibly overnight) in some zone."""
    if draw(st.booleans()):
        return None
    start, end = draw(st.integers(0, 23)), draw(st.integers(0, 23))
    return {
        "timezone": draw(st.sampled_from(["UTC", "Europe/Berlin", "America/New_York"])),
        "shifts": [
            {
                "days": draw(st.sampled_from(["mon-fri", "daily", "wed"])),
                "start": f"{start:02d}:00",
                "end": f"{end:02d}:30",
            }
        ],
    }


@st.composite
def agents(draw: st.DrawFn, agent_id: str) -> Agent:
    """One agent with random status, skills, groups, languages, capacity and schedule."""
    return Agent(
        id=agent_id,
        groups=frozenset(draw(st.sets(st.sampled_from(GROUPS), max_size=2))),
        skills=draw(skill_maps),
        languages=frozenset(draw(st.sets(st.sampled_from(LANGUAGES), max_size=2))),
        capacity={
            "max_load": draw(st.sampled_from([0, 1, 1, 2, 2, 2.5, 3, 5])),
            "weights": draw(
                st.dictionaries(
                    st.sampled_from(["chat", "problem"]), st.sampled_from([0.5, 2.0]), max_size=2
                )
            ),
        },
        status=draw(st.sampled_from(["online", "online", "away", "offline"])),
        schedule=draw(schedules()),
        last_assigned_at=draw(st.none() | minutes_ago),
    )


@st.composite
def rosters(draw: st.DrawFn, min_size: int = 0, max_size: int = 8) -> Roster:
    """A roster with random loads and recent assignments."""
    size = draw(st.integers(min_size, max_size))
    team = [draw(agents(f"a{n:03d}")) for n in range(size)]
    loads = {a.id: draw(st.sampled_from([0.0, 0.0, 1.0, 1.0, 1.5, 2.0, 3.0, 6.0])) for a in team}
    recent = {a.id: draw(st.lists(minutes_ago, max_size=4)) for a in team}
    return Roster(team, loads, recent)


@st.composite
def tickets(draw: st.DrawFn) -> Ticket:
    """A ticket with random routing fields."""
    return Ticket(
        id=draw(st.text("abc123", min_size=1, max_size=5)),
        priority=draw(st.integers(1, 4)),
        channel=draw(st.sampled_from(["email", "chat", "phone"])),
        type=draw(st.none() | st.sampled_from(["problem", "question"])),
        language=draw(st.none() | st.sampled_from(LANGUAGES)),
        group=draw(st.none() | st.sampled_from(GROUPS)),
        pool=frozenset(draw(st.sets(st.sampled_from(GROUPS), max_size=1))),
        required_skills=draw(st.dictionaries(st.sampled_from(SKILLS), levels, max_size=2)),
        optional_skills=draw(skill_maps),
        weight=draw(st.none() | st.sampled_from([0.5, 1.0, 3.0])),
        requester=draw(st.none() | st.sampled_from(["a000", "a001", "customer7"])),
        created_at=draw(minutes_ago),
        previous_agent=draw(st.none() | st.sampled_from(PREVIOUS_AGENTS)),
        previous_agent_at=draw(st.none() | minutes_ago),
    )


eligibility_params = st.fixed_dictionaries(
    {},
    optional={
        "require_language": st.booleans(),
        "optional_skills_timeout_s": st.none() | st.sampled_from([0.0, 60.0, 3600.0]),
        "fair_limit": st.none() | st.integers(1, 3),
        "fair_window_s": st.sampled_from([600.0, 3600.0]),
        "continuity_window_h": st.none() | st.sampled_from([1.0, 24.0]),
        "reserve_agents": st.sampled_from([0, 1, 2]),
        "reserve_for": st.sampled_from(["high", "urgent"]),
    },
)

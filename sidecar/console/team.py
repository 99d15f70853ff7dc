"""The Team page: every agent by name with availability, shift, load against capacity,
skills, tickets routed today and time since the last assignment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from router.model import Agent, AgentStatus
from router.schedule import DAY_NAMES, Schedule, Window
from sidecar.console.auth import User
from sidecar.console.pages import render
from sidecar.explanation import duration_text
from sidecar.routes.context import AppContext
from sidecar.store.console_views import AgentActivity, agent_activity

ALL_WEEK = frozenset(range(7))


@dataclass(frozen=True, slots=True)
class TeamRow:
    """One agent as the page shows it."""

    agent_id: str
    name: str
    groups: str
    availability: str
    available: bool
    shift: str
    load: str
    load_pct: int
    full: bool
    skills: str
    routed_today: int
    since_last: str
    last_ticket: str | None


def days_text(days: frozenset[int]) -> str:
    """``every day``, ``Mon–Fri``, or ``Mon, Wed, Sat``."""
    if days == ALL_WEEK:
        return "every day"
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{DAY_NAMES[ordered[0]].title()}–{DAY_NAMES[ordered[-1]].title()}"
    return ", ".join(DAY_NAMES[day].title() for day in ordered)


def hours_text(start: time, end: time) -> str:
    """``09:00–17:00``, or ``all day`` for a window that covers the whole day."""
    return "all day" if start == end else f"{start:%H:%M}–{end:%H:%M}"


def windows_text(windows: Iterable[Window]) -> str:
    """``Mon–Fri 09:00–17:00; Sat 10:00–14:00``: windows of the same hours on several days
    (the help desk may list one per day) read as one."""
    days: dict[tuple[time, time], set[int]] = {}
    for window in windows:
        days.setdefault((window.start, window.end), set()).update(window.days)
    if days == {(time(0), time(0)): set(ALL_WEEK)}:
        return "around the clock"
    return "; ".join(
        f"{days_text(frozenset(on))} {hours_text(start, end)}"
        for (start, end), on in sorted(days.items(), key=lambda item: min(item[1]))
    )


def shift_text(schedule: Schedule | None) -> str:
    """An agent's working hours in words (``always on shift`` without a schedule)."""
    if schedule is None:
        return "always on shift"
    text = windows_text(schedule.shifts)
    if schedule.breaks:
        text += "; breaks " + windows_text(schedule.breaks)
    return f"{text} ({schedule.timezone})"


def availability(status: str, agent: Agent | None, now: datetime) -> tuple[str, bool]:
    """Presence and shift now, in words, and whether the agent can take tickets."""
    if agent is None or agent.schedule is None:
        return status, status == AgentStatus.ONLINE.value
    if agent.schedule.on_shift(now):
        return f"{status}, on shift", status == AgentStatus.ONLINE.value
    return f"{status}, {agent.schedule.describe(now)}", False


def skills_text(agent: Agent | None) -> str:
    """``billing 3, refunds 2`` (— when the roster is not known here)."""
    if agent is None:
        return "—"
    return ", ".join(f"{skill} {level}" for skill, level in sorted(agent.skills.items())) or "none"


def team_rows(
    table: Iterable[Mapping[str, object]],
    agents: Sequence[Agent],
    activity: Mapping[str, AgentActivity],
    now: datetime,
) -> list[TeamRow]:
    """One row per agent of the load table (the roster the leader stored), by name."""
    roster = {agent.id: agent for agent in agents}
    rows = []
    for entry in table:
        agent_id = str(entry["agent_id"])
        agent = roster.get(agent_id)
        load, limit = float(str(entry["load"])), float(str(entry["max_load"]))
        words, available = availability(str(entry["status"]), agent, now)
        done = activity.get(agent_id)
        last = None if done is None else done.last_assigned
        rows.append(TeamRow(
            agent_id=agent_id, name=str(entry["name"] or f"agent {agent_id}"),
            groups=", ".join(sorted(agent.groups)) if agent else "",
            availability=words, available=available,
            shift="—" if agent is None else shift_text(agent.schedule),
            load=f"{load:g} / {limit:g}",
            load_pct=100 if limit <= 0 else min(100, round(100 * load / limit)),
            full=load >= limit, skills=skills_text(agent),
            routed_today=0 if done is None else done.routed_since,
            since_last="never" if last is None else ago(now - last),
            last_ticket=None if done is None else done.last_ticket,
        ))  # fmt: skip
    return sorted(rows, key=lambda row: row.name.lower())


def ago(elapsed: timedelta) -> str:
    """``12 min ago``."""
    return f"{duration_text(elapsed.total_seconds())} ago"


def start_of_day(now: datetime) -> datetime:
    """Midnight UTC of ``now``'s day."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def register(app: FastAPI, ctx: AppContext) -> None:
    """``GET /console/team``."""

    @app.get("/console/team", include_in_schema=False, response_class=HTMLResponse)
    def team_page(request: Request, user: User) -> HTMLResponse:
        now = ctx.clock()
        agents = ctx.roster()
        activity = agent_activity(ctx.store.engine, start_of_day(now))
        rows = team_rows(ctx.store.loads.table(), agents, activity, now)
        note = "" if agents else ("Shifts and skills show on the leader replica (this one has "
                                  "not read the roster).")  # fmt: skip
        return render(request, "team.html", page="team", rows=rows, roster_note=note,
                      now=f"{now:%Y-%m-%d %H:%M}")  # fmt: skip

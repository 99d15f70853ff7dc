"""Who is available on a Zendesk account, from whichever source the account has (pure).

- **Omnichannel routing on**: the Agent Availability API's unified ``agent_status``
  (developer.zendesk.com/api-reference/agent-availability/agent-availability-api/). Zendesk
  returns ``agent_status`` only when omnichannel routing is on, so records without it say
  nothing about presence (they must not read as offline).
- **Otherwise**: the account's business-hours schedule (Schedules API, intervals in minutes
  since Sunday midnight in the schedule's Rails-named time zone, holidays as date ranges)
  becomes every agent's working schedule; with no schedule, active agents are available.
  Either way an agent steps away with the checkbox user field ``deskroute_away`` (or the
  user tag of the same name, for accounts with user tagging instead of fields).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, time, timedelta
from typing import Any

from connectors.zendesk.timezones import iana_zone
from router.model import AgentStatus
from router.schedule import Schedule, Window

AWAY_MARKER = "deskroute_away"
STATUS_NAMES = {
    "online": AgentStatus.ONLINE,
    "away": AgentStatus.AWAY,
    "offline": AgentStatus.OFFLINE,
    "transfers_only": AgentStatus.AWAY,
}
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
MAX_HOLIDAY_DAYS = 366


def agent_id_of(record: Mapping[str, Any]) -> str:
    """The agent a JSON:API availability record is about (``agent_availabilities|<id>``)."""
    attributes = record.get("attributes") or {}
    agent = attributes.get("agent_id")
    if agent is None:
        agent = str(record.get("id", "")).rpartition("|")[2]
    return str(agent)


def has_agent_status(records: Iterable[Mapping[str, Any]]) -> bool:
    """True when any record carries a unified ``agent_status`` (omnichannel routing is on)."""
    return any((r.get("attributes") or {}).get("agent_status") for r in records)


def statuses(records: Iterable[Mapping[str, Any]]) -> dict[str, AgentStatus]:
    """Unified status per agent id, for the records that carry one (unknown names: offline)."""
    found: dict[str, AgentStatus] = {}
    for record in records:
        status = (record.get("attributes") or {}).get("agent_status")
        if isinstance(status, Mapping):
            name = str(status.get("name") or "").lower()
            found[agent_id_of(record)] = STATUS_NAMES.get(name, AgentStatus.OFFLINE)
    return found


def is_away(user: Mapping[str, Any]) -> bool:
    """True when the user marked themselves away (checkbox field or tag ``deskroute_away``)."""
    fields = user.get("user_fields") or {}
    if _truthy(fields.get(AWAY_MARKER)):
        return True
    return AWAY_MARKER in {str(tag).lower() for tag in user.get("tags") or []}


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "on")
    return bool(value)


def schedule_from_json(
    raw: Mapping[str, Any], holidays: Iterable[Mapping[str, Any]] = ()
) -> Schedule:
    """A working ``Schedule`` from a Zendesk schedule and its holidays.

    Raises ValueError for an unknown time zone or an interval outside the week.
    """
    windows = tuple(_window(interval) for interval in raw.get("intervals") or [])
    if not windows:
        raise ValueError(f"schedule {raw.get('id')} has no business hours")
    return Schedule(
        timezone=iana_zone(str(raw.get("time_zone") or "UTC")),
        shifts=windows,
        holidays=frozenset(_holiday_dates(holidays)),
    )


def _window(interval: Mapping[str, Any]) -> Window:
    """One interval (minutes since Sunday 00:00, within one day) as a weekday window."""
    start, end = int(interval["start_time"]), int(interval["end_time"])
    day = start // DAY_MINUTES
    if not 0 <= start < end <= min(WEEK_MINUTES, (day + 1) * DAY_MINUTES):
        raise ValueError(f"interval {start}-{end} is not within one day of the week")
    weekday = (day - 1) % 7  # Zendesk counts from Sunday, router.schedule from Monday
    return Window(
        days=frozenset({weekday}),
        start=_clock(start - day * DAY_MINUTES),
        end=_clock(end - day * DAY_MINUTES),
    )


def _clock(minutes: int) -> time:
    """Minutes into the day as a time; the day's end (1440) is midnight."""
    minutes %= DAY_MINUTES
    return time(minutes // 60, minutes % 60)


def _holiday_dates(holidays: Iterable[Mapping[str, Any]]) -> Iterable[date]:
    for holiday in holidays:
        first = date.fromisoformat(str(holiday["start_date"]))
        last = date.fromisoformat(str(holiday.get("end_date") or holiday["start_date"]))
        days = min((last - first).days, MAX_HOLIDAY_DAYS)
        yield from (first + timedelta(days=offset) for offset in range(days + 1))

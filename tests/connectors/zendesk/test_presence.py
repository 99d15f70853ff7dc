"""Availability on Zendesk accounts with and without omnichannel routing (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.zendesk import presence
from router.model import AgentStatus
from tests.connectors.zendesk.payloads import availability, schedule, user

# 2024-02-12 is a Monday; Berlin is UTC+1 in February
MONDAY_10_BERLIN = datetime(2024, 2, 12, 9, 0, tzinfo=UTC)


def test_statuses_come_only_from_records_that_carry_one() -> None:
    records = [
        availability(1, "online"),
        availability(2, "away"),
        availability(3, None),
        {
            "type": "agent_availabilities",
            "id": "agent_availabilities|4",
            "attributes": {"agent_status": {"id": 99, "name": "In a meeting"}},
        },
    ]
    assert presence.statuses(records) == {
        "1": AgentStatus.ONLINE,
        "2": AgentStatus.AWAY,
        "4": AgentStatus.OFFLINE,
    }
    assert presence.has_agent_status(records)
    assert not presence.has_agent_status([availability(3, None)])  # omnichannel routing off


@pytest.mark.parametrize(
    ("fields", "tags", "away"),
    [
        pytest.param({"deskroute_away": True}, [], True, id="checkbox-ticked"),
        pytest.param({"deskroute_away": False}, [], False, id="checkbox-clear"),
        pytest.param({"deskroute_away": None}, [], False, id="checkbox-never-set"),
        pytest.param({"deskroute_away": "yes"}, [], True, id="text-yes"),
        pytest.param({}, ["Deskroute_Away"], True, id="user-tag"),
        pytest.param({}, [], False, id="nothing"),
    ],
)
def test_an_agent_steps_away_with_the_field_or_the_tag(
    fields: dict, tags: list, away: bool
) -> None:
    assert presence.is_away(user(user_fields=fields, tags=tags)) is away


@pytest.mark.parametrize(
    ("moment", "on_shift"),
    [
        pytest.param(MONDAY_10_BERLIN, True, id="monday-10-berlin"),
        pytest.param(datetime(2024, 2, 12, 7, 30, tzinfo=UTC), False, id="monday-8h30-berlin"),
        pytest.param(datetime(2024, 2, 12, 16, 0, tzinfo=UTC), False, id="monday-17-berlin"),
        pytest.param(datetime(2024, 2, 16, 15, 59, tzinfo=UTC), True, id="friday-16h59-berlin"),
        pytest.param(datetime(2024, 2, 17, 10, 0, tzinfo=UTC), False, id="saturday"),
        pytest.param(datetime(2024, 2, 18, 10, 0, tzinfo=UTC), False, id="sunday"),
    ],
)
def test_a_business_hours_schedule_is_every_agents_shift(moment: datetime, on_shift: bool) -> None:
    hours = presence.schedule_from_json(schedule())
    assert hours.timezone == "Europe/Berlin"
    assert hours.on_shift(moment) is on_shift


def test_sunday_intervals_and_a_day_ending_at_midnight() -> None:
    hours = presence.schedule_from_json(
        schedule(
            time_zone="UTC",
            intervals=[
                {"start_time": 0, "end_time": 1440},  # all of Sunday
                {"start_time": 1440 + 1200, "end_time": 2 * 1440},
            ],
        )
    )  # Monday 20:00 to midnight
    assert hours.on_shift(datetime(2024, 2, 18, 23, 59, tzinfo=UTC))  # Sunday
    assert hours.on_shift(datetime(2024, 2, 19, 23, 30, tzinfo=UTC))  # Monday late
    assert not hours.on_shift(datetime(2024, 2, 19, 12, 0, tzinfo=UTC))
    assert not hours.on_shift(datetime(2024, 2, 20, 0, 30, tzinfo=UTC))  # Tuesday night


def test_holidays_close_the_whole_date_range() -> None:
    hours = presence.schedule_from_json(
        schedule(),
        [{"id": 1, "name": "Winter break", "start_date": "2024-02-12", "end_date": "2024-02-13"}],
    )
    assert not hours.on_shift(MONDAY_10_BERLIN)
    assert not hours.on_shift(datetime(2024, 2, 13, 9, 0, tzinfo=UTC))
    assert hours.on_shift(datetime(2024, 2, 14, 9, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(schedule(time_zone="Atlantis"), id="unknown-zone"),
        pytest.param(schedule(intervals=[]), id="no-hours"),
        pytest.param(
            schedule(intervals=[{"start_time": 1400, "end_time": 1500}]), id="crosses-midnight"
        ),
        pytest.param(
            schedule(intervals=[{"start_time": 10000, "end_time": 10100}]), id="past-the-week"
        ),
    ],
)
def test_an_unreadable_schedule_is_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        presence.schedule_from_json(bad)

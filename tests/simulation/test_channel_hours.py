"""Channels offered only at some hours: a chat outside the widget's hours becomes an email."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from simulation.scenario import ScenarioError, parse_scenario
from simulation.traffic import generate

HOURS = {"chat": {"days": "mon-fri", "start": "09:00", "end": "17:00", "timezone": "Europe/Berlin"}}


def shop(hours: dict[str, Any] | None = None) -> dict[str, Any]:
    """Two weeks of a shop whose chat is offered in office hours (``hours``: other hours)."""
    return {
        "horizon_days": 14,
        "agents": [{"team": "desk", "count": 2}],
        "traffic": {
            "arrivals": {"rate_per_hour": 20},
            "categories": {"ORDER": {"share": 1, "handle": {"mean_min": 10}}},
            "channels": {"chat": 0.4, "email": 0.6},
            "channel_hours": HOURS if hours is None else hours,
        },
    }


def test_chats_arrive_only_while_the_widget_is_online_the_rest_write_email() -> None:
    scenario = parse_scenario(shop(), "shop.yaml")
    berlin = ZoneInfo("Europe/Berlin")
    online_channels, offline_channels = [], []
    for arrival in generate(scenario):
        local = (scenario.start + timedelta(minutes=arrival.at_min)).astimezone(berlin)
        online = local.weekday() < 5 and 9 <= local.hour < 17
        (online_channels if online else offline_channels).append(arrival.channel)
    assert set(offline_channels) == {"email"}
    email_share = online_channels.count("email") / len(online_channels)
    assert email_share == pytest.approx(0.6, abs=0.05)  # while online, the drawn mix holds


def test_the_wanted_channel_and_every_other_draw_stay_the_same() -> None:
    always = [a._replace(channel="") for a in generate(parse_scenario(shop({}), "shop.yaml"))]
    offered = [a._replace(channel="") for a in generate(parse_scenario(shop(), "shop.yaml"))]
    assert always == offered


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        pytest.param(
            {"sms": {"start": "09:00", "end": "17:00"}},
            "channel_hours: unknown channel 'sms' (traffic has chat, email)",
            id="unknown-channel",
        ),
        pytest.param(
            {"chat": {"start": "09:00", "end": "17:00", "otherwise": "phone"}},
            "channel_hours.chat.otherwise: 'phone' must be a channel of the traffic",
            id="unknown-fallback",
        ),
        pytest.param(
            {"chat": {"start": "09:00", "end": "17:00", "days": "someday"}},
            "traffic.channel_hours.chat: unknown day 'som'",
            id="unreadable-days",
        ),
    ],
)
def test_bad_channel_hours_are_rejected(hours: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(shop(hours), "shop.yaml")
    assert message in str(caught.value) and str(caught.value).startswith("shop.yaml: ")


def test_a_channel_handle_factor_scales_that_channels_handle_times_only() -> None:
    data = shop({})
    plain = list(generate(parse_scenario(data, "shop.yaml")))
    data["traffic"]["channel_handle"] = {"chat": 1.4}
    scaled = list(generate(parse_scenario(data, "shop.yaml")))
    assert [a.channel for a in plain] == [a.channel for a in scaled]
    for before, after in zip(plain, scaled, strict=True):
        factor = 1.4 if before.channel == "chat" else 1.0
        assert after.base_handle_min == pytest.approx(factor * before.base_handle_min)

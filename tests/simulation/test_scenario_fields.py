"""The scenario format's customer and agent-fit fields: opt-in, validated with clear errors."""

from __future__ import annotations

from typing import Any

import pytest

from simulation.scenario import ScenarioError, parse_scenario


def scenario(traffic: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    return {
        "agents": [{"team": "desk", "count": 2}],
        "traffic": {
            "arrivals": {"rate_per_hour": 5},
            "categories": {"ORDER": {"share": 1, "handle": {"mean_min": 10}}},
            "channels": {"chat": 0.3, "email": 0.7},
            **(traffic or {}),
        },
        **top,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            scenario({"patience": {"channels": {"chat": 5}}}),
            "traffic: patience: no mean for channel 'email' (give mean_min or list it)",
            id="patience-misses-a-channel",
        ),
        pytest.param(
            scenario({"patience": {"mean_min": 60, "channels": {"sms": 5}}}),
            "patience.channels: unknown channel 'sms' (traffic has chat, email)",
            id="patience-for-an-unknown-channel",
        ),
        pytest.param(
            scenario({"patience": {}}),
            "traffic.patience: patience needs mean_min, channels, or both",
            id="patience-without-any-mean",
        ),
        pytest.param(
            scenario({"patience": {"channels": {"chat": 0}}}),
            "traffic.patience.channels.chat: Input should be greater than 0",
            id="patience-of-zero",
        ),
        pytest.param(
            scenario(agent_fit={"continuity_handle": 0.8}),
            "agent_fit.continuity_handle needs traffic.customers",
            id="continuity-without-customers",
        ),
        pytest.param(
            scenario(agent_fit={"language_handle": 0.5}),
            "agent_fit.language_handle: Input should be greater than or equal to 1",
            id="a-foreign-language-cannot-speed-work-up",
        ),
        pytest.param(
            scenario(agent_fit={"continuity": 0.8}),
            "agent_fit.continuity: Extra inputs are not permitted",
            id="misspelt-field",
        ),
        pytest.param(
            scenario({"customers": {"repeat_share": 1.5}}),
            "traffic.customers.repeat_share: Input should be less than or equal to 1",
            id="repeat-share-above-one",
        ),
        pytest.param(
            {**scenario({"customers": {}}), "agents": [{"id": "customer:1"}]},
            "agents: id 'customer:1' looks like a simulated customer's",
            id="agent-named-like-a-customer",
        ),
    ],
)
def test_bad_fields_are_rejected_naming_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, "desk.yaml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("desk.yaml: ")


def test_the_new_fields_are_opt_in() -> None:
    plain = parse_scenario(scenario(), "desk.yaml")
    assert plain.agent_fit is None and plain.traffic.customers is None
    assert plain.traffic.patience is None


def test_patience_per_channel_falls_back_to_the_overall_mean() -> None:
    parsed = parse_scenario(
        scenario({"patience": {"mean_min": 2880, "channels": {"chat": 5}}}), "desk.yaml"
    )
    assert parsed.traffic.patience is not None
    assert (
        parsed.traffic.patience.mean_for("chat"),
        parsed.traffic.patience.mean_for("email"),
    ) == (
        5,
        2880,
    )

"""What the connector uses on each kind of Zendesk account (pure decision over the probes)."""

from __future__ import annotations

import pytest

from connectors.zendesk import features
from connectors.zendesk.features import Probes
from router.schedule import always

HOURS = always()
BOTH_FIELDS = frozenset({"deskroute_skills", "deskroute_away"})


def probes(
    *,
    status: bool = False,
    schedule: bool = False,
    attributes: int | None = None,
    fields: frozenset[str] = BOTH_FIELDS,
) -> Probes:
    return Probes(
        agent_status=status,
        availability_detail="",
        schedules=(({"id": 1},) if schedule else None),
        schedule=HOURS if schedule else None,
        schedule_detail="'Support' (UTC)" if schedule else "",
        attributes=attributes,
        user_fields=fields,
    )


@pytest.mark.parametrize(
    ("setting", "found", "mode"),
    [
        pytest.param(
            "auto", probes(status=True, schedule=True), "omnichannel", id="omnichannel-first"
        ),
        pytest.param("auto", probes(schedule=True), "schedule", id="no-omnichannel-schedule"),
        pytest.param("auto", probes(), "all_agents", id="neither"),
        pytest.param(
            "omnichannel", probes(schedule=True), "schedule", id="asked-omnichannel-falls-back"
        ),
        pytest.param(
            "schedule", probes(status=True, schedule=True), "schedule", id="asked-schedule"
        ),
        pytest.param("schedule", probes(status=True), "all_agents", id="asked-schedule-none"),
        pytest.param(
            "all_agents", probes(status=True, schedule=True), "all_agents", id="asked-all-agents"
        ),
    ],
)
def test_availability_source(setting: str, found: Probes, mode: str) -> None:
    modes, _ = features.decide(setting, "auto", found)
    assert modes.availability == mode
    assert (modes.schedule is HOURS) is (mode == "schedule")


@pytest.mark.parametrize(
    ("setting", "found", "mode"),
    [
        pytest.param("auto", probes(attributes=3), "routing_attributes", id="skills-api-first"),
        pytest.param("auto", probes(attributes=0), "user_field", id="api-without-skill-types"),
        pytest.param("auto", probes(), "user_field", id="api-refused"),
        pytest.param("auto", probes(fields=frozenset()), "none", id="bare-account"),
        pytest.param("routing_attributes", probes(), "user_field", id="asked-api-falls-back"),
        pytest.param("user_field", probes(attributes=3), "user_field", id="asked-field"),
        pytest.param("none", probes(attributes=3), "none", id="asked-none"),
    ],
)
def test_skills_source(setting: str, found: Probes, mode: str) -> None:
    modes, _ = features.decide("auto", setting, found)
    assert modes.skills == mode


def test_an_account_with_nothing_set_up_still_routes_and_says_what_would_help() -> None:
    modes, found = features.decide("auto", "auto", probes(fields=frozenset()))
    assert (modes.availability, modes.skills) == ("all_agents", "none")
    assert not any(fix.blocking for fix in found.fixes)
    advice = " ".join(fix.setting for fix in found.fixes)
    assert "deskroute_away" in advice and "deskroute_skills" in advice
    assert "around the clock" in found.sources.availability
    assert "reconciled" in found.sources.loads


def test_a_requested_source_the_account_lacks_is_named_in_a_fix() -> None:
    _, found = features.decide("omnichannel", "routing_attributes", probes())
    problems = " ".join(fix.problem for fix in found.fixes)
    assert "AVAILABILITY=omnichannel" in problems and "SKILLS=routing_attributes" in problems


def test_features_report_what_the_account_answered() -> None:
    _, found = features.decide("auto", "auto", probes(status=True, attributes=2))
    present = {feature.name: feature.present for feature in found.features}
    assert present["omnichannel agent status"] is True
    assert present["business-hours schedules"] is False
    assert present["skills API (routing attributes)"] is True

"""The promise of the simulator, kept: the live sidecar and the simulator, fed the same
arrivals, shifts and finished work, make the very same assignments.

Side (a) is the real sidecar (composition root, SQLite store, pipeline, writer, router
with the policy file's rules and a trained triage model) over an in-memory help desk on
a simulated clock, its jobs run at each instant something happens. Side (b) is the
simulator (``DeskModel``) on the same scenario, arrivals and seeded policy stream. For
every registered policy the sequences of (minute, ticket, agent) must be identical; a
failure prints where they part.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from router.policies import policy_names
from tests.differential.live import LiveDesk
from tests.differential.script import (
    MORNING,
    WORKING_DAY,
    Span,
    desk_script,
    first_divergence,
)
from tests.differential.simulated import simulated_assignments
from tests.differential.words import CustomerWords

SHARED = {"optional_skills_timeout_s": 900}
"""Every policy drops a German ticket's preferred German speaker after 15 minutes."""
OWN: Mapping[str, Mapping[str, Any]] = {
    "threshold_overflow": {"wait_s": 600, "overflow": {"billing": ["general"],
                                                       "shipping": ["general"]}},
}  # fmt: skip
"""Parameters a policy needs to do more than its defaults on this desk."""


def params_for(policy: str) -> dict[str, Any]:
    """The parameters the desk runs ``policy`` with."""
    return {**SHARED, **OWN.get(policy, {})}


RESERVE = {"reserve_agents": 2, "reserve_for": "high"}
"""Two agents kept free for high and urgent tickets (one while only the two early agents
work): an agent's answer then depends on the whole roster, so the simulator takes none of
its shortcuts that assume otherwise, and offers when someone leaves too."""
RESERVING = ("skills_least_loaded", "gcmu")
"""A policy that ranks agents only, and one that also ranks classes of waiting tickets."""


def assert_same_assignments(
    policy: str,
    span: Span,
    words: CustomerWords,
    model: Path,
    workdir: Path,
    at_least: int,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Run the span through both sides; they must assign alike (and assign enough).
    ``extra``: parameters on top of the desk's own for ``policy``."""
    params = {**params_for(policy), **(extra or {})}
    script = desk_script(policy, params, span, words, model, workdir)
    simulated = simulated_assignments(script)
    desk = LiveDesk(script, workdir)
    live = desk.run()
    assert len(simulated) >= at_least, "the desk should keep its agents busy"
    divergence = first_divergence(live, simulated, script.scenario.start)
    if divergence is not None:
        pytest.fail(f"{policy}: {divergence.report(desk.happened, desk.describe)}", pytrace=False)


@pytest.mark.parametrize("policy", policy_names())
def test_a_morning_backlog_is_assigned_alike_by_the_sidecar_and_the_simulator(
    policy: str, words: CustomerWords, group_model: Path, tmp_path: Path
) -> None:
    assert_same_assignments(policy, MORNING, words, group_model, tmp_path, at_least=20)


@pytest.mark.slow
@pytest.mark.parametrize("policy", policy_names())
def test_a_working_day_is_assigned_alike_by_the_sidecar_and_the_simulator(
    policy: str, words: CustomerWords, group_model: Path, tmp_path: Path
) -> None:
    assert_same_assignments(policy, WORKING_DAY, words, group_model, tmp_path, at_least=200)


@pytest.mark.parametrize("policy", RESERVING)
def test_a_morning_with_a_reserve_is_assigned_alike_by_the_sidecar_and_the_simulator(
    policy: str, words: CustomerWords, group_model: Path, tmp_path: Path
) -> None:
    assert_same_assignments(policy, MORNING, words, group_model, tmp_path, 20, RESERVE)


@pytest.mark.slow
@pytest.mark.parametrize("policy", RESERVING)
def test_a_working_day_with_a_reserve_is_assigned_alike_by_the_sidecar_and_the_simulator(
    policy: str, words: CustomerWords, group_model: Path, tmp_path: Path
) -> None:
    assert_same_assignments(policy, WORKING_DAY, words, group_model, tmp_path, 200, RESERVE)

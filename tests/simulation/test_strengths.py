"""Learning agent strengths from history: shrinkage, reopens, levels, and the closed loop."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from router.history import HistoryRecord
from router.policies.strengths_file import SLOWDOWN, level_for, relative_at
from simulation.credibility import K_CEILING, K_DEFAULT, K_FLOOR, Sample, prior_strength
from simulation.fit import fit
from simulation.records import TicketRecord
from simulation.reopens import judge_reopens
from simulation.replay import Past, handle_minutes
from simulation.run import PolicyChoice, simulate
from simulation.scenario import Scenario
from simulation.strengths import Options, learn

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def ticket(
    number: int,
    agent: str | None,
    handle: float,
    *,
    category: str = "billing",
    group: str | None = "desk",
    requester: str | None = None,
    reopens: int | None = None,
    at_hours: float | None = None,
) -> HistoryRecord:
    """A solved ticket assigned ``at_hours`` after the start and answered ``handle`` later."""
    created = START + timedelta(hours=number if at_hours is None else at_hours)
    assigned = created + timedelta(minutes=5)
    return HistoryRecord(
        id=str(number),
        created_at=created,
        type=category,
        group=group,
        assignee=agent,
        requester=requester,
        first_assigned_at=assigned,
        first_reply_at=assigned + timedelta(minutes=handle),
        solved_at=assigned + timedelta(minutes=handle + 10),
        reopens=reopens,
    )


def past_of(records: list[HistoryRecord]) -> list[Past]:
    return sorted((Past(r, handle_minutes(r)) for r in records), key=lambda p: p.record.created_at)


# --- credibility ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "chosen"),
    [
        pytest.param([[Sample(1, 0.0, 0.0), Sample(1, 1.0, 0.0)]], "default", id="no-within"),
        pytest.param([[Sample(10, 0.0, 9.0)]], "default", id="one-agent-per-cell"),
        pytest.param(
            [[Sample(50, 0.0, 49.0), Sample(50, 0.0, 49.0)]], "no_difference", id="equal-means"
        ),
        pytest.param(
            [[Sample(50, 0.0, 49.0), Sample(50, 1.0, 49.0)]], "estimated", id="distinct-means"
        ),
    ],
)
def test_prior_strength_says_how_it_was_chosen(cells, chosen):
    assert prior_strength(cells).chosen == chosen


def test_prior_strength_is_within_over_between_variance():
    # within variance 1; two agents of 50 tickets 0.4 apart: between = (4 - 1) / 50 = 0.06
    prior = prior_strength([[Sample(50, 0.0, 49.0), Sample(50, 0.4, 49.0)]])
    assert prior.k == pytest.approx(1 / 0.06, abs=1e-3) and prior.chosen == "estimated"


def test_agents_no_more_different_than_chance_get_the_ceiling():
    alike = [[Sample(50, 0.0, 49.0), Sample(50, 0.05, 49.0)]]  # 0.05 apart: within noise
    assert prior_strength(alike).k == K_CEILING


def test_prior_strength_never_falls_below_the_floor():
    far_apart = [[Sample(50, 0.0, 49.0), Sample(50, 5.0, 49.0)]]
    assert prior_strength(far_apart).k == K_FLOOR


def test_prior_strength_default_is_documented_value():
    assert prior_strength([]).k == K_DEFAULT


# --- reopens ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        pytest.param(
            [ticket(2, "b", 5, requester="c1", at_hours=48)], True, id="same-customer-back"
        ),
        pytest.param(
            [ticket(2, "b", 5, requester="c1", at_hours=24 * 9), ticket(3, "b", 5, at_hours=400)],
            False,
            id="back-after-window",
        ),
        pytest.param(
            [
                ticket(2, "b", 5, requester="c1", category="tech", at_hours=48),
                ticket(3, "b", 5, at_hours=400),
            ],
            False,
            id="other-category",
        ),
        pytest.param(
            [ticket(2, "b", 5, requester="c2", at_hours=48)], None, id="history-ends-too-soon"
        ),
    ],
)
def test_a_repeat_contact_within_the_window_is_a_reopen(later, expected):
    first = ticket(1, "a", 5, requester="c1", at_hours=0)
    judged = judge_reopens([first, *later], timedelta(days=7))
    assert judged.outcomes[0] is expected


def test_the_reopens_count_wins_over_the_proxy():
    records = [
        ticket(1, "a", 5, requester="c1", reopens=0, at_hours=0),
        ticket(2, "a", 5, requester="c1", reopens=2, at_hours=1),
        ticket(3, "a", 5, at_hours=1000),
    ]
    judged = judge_reopens(records, timedelta(days=7))
    assert judged.outcomes[:2] == [False, True]
    assert (judged.from_field, judged.unjudged) == (2, 1)  # no requester: unknown


# --- the level scale ----------------------------------------------------------------------


@given(a=st.floats(0.05, 5.0), b=st.floats(0.05, 5.0))
def test_levels_never_fall_as_the_relative_time_shortens(a, b):
    faster, slower = sorted((a, b))
    assert level_for(faster) >= level_for(slower)


@pytest.mark.parametrize("level", range(1, 11))
def test_the_level_scale_inverts_the_simulators_handle_factor(level):
    assert level_for(relative_at(level / 10, SLOWDOWN)) == level


def test_the_typical_agent_is_level_five():
    assert level_for(1.0) == 5


# --- the estimator ------------------------------------------------------------------------


def desk(per_agent: int = 80, dee: float = 10.0) -> list[HistoryRecord]:
    """Three agents of one team, ann twice as fast as bob, cid in between, with handle
    times as spread as real ones (log sd 0.8, a CV near 1); and dee, two tickets of
    ``dee`` minutes each."""
    rng, records, number = Random(7), [], 0
    speeds = {"ann": 10.0, "bob": 20.0, "cid": 14.0}
    for _ in range(per_agent):
        for agent, median in speeds.items():
            records.append(ticket(number, agent, median * math.exp(rng.gauss(0, 0.8))))
            number += 1
    records += [ticket(number + n, "dee", dee) for n in range(2)]
    return records


def test_learned_handle_times_rank_agents_by_speed():
    strengths = learn(past_of(desk()))
    billing = {a: s.categories["billing"] for a, s in strengths.agents.items()}
    assert billing["ann"].handle_min < billing["cid"].handle_min < billing["bob"].handle_min
    assert billing["ann"].level > billing["cid"].level > billing["bob"].level


def test_a_two_ticket_agent_is_pulled_towards_the_team():
    past = past_of(desk(dee=3.0))
    strengths = learn(past)
    k = strengths.method.handle_prior.k
    team = strengths.categories["billing"].teams["desk"].handle_min
    dee = strengths.agents["dee"].categories["billing"]
    # on the log scale dee moves 2 / (2 + k) of the way from the team (here: everyone) to
    # what it was seen doing, and the team is the typical agent of the category
    logs = [math.log(p.handle_min) for p in past if p.handle_min]
    pulled = 2 / (2 + k) * (math.log(3.0) - sum(logs) / len(logs))
    assert dee.handle_min / team == pytest.approx(math.exp(pulled), rel=1e-3)
    assert 2 / (2 + k) <= 2 / (2 + K_FLOOR)
    assert abs(dee.level - 5) < abs(level_for(3.0 / team) - 5)


def test_as_fast_on_two_tickets_as_an_expert_on_eighty_is_not_yet_an_expert():
    strengths = learn(past_of(desk(dee=10.0)))
    ann, dee = (strengths.agents[a].categories["billing"] for a in ("ann", "dee"))
    assert dee.observed_handle_min == pytest.approx(10.0)
    assert ann.handle_min < dee.handle_min and ann.level >= dee.level


def test_a_given_prior_strength_is_used_and_recorded():
    weak = learn(past_of(desk()), Options(prior_strength=1.0))
    strong = learn(past_of(desk()), Options(prior_strength=1e6))
    assert weak.method.handle_prior.chosen == "given"
    dee_weak = weak.agents["dee"].categories["billing"].handle_min
    dee_strong = strong.agents["dee"].categories["billing"].handle_min
    team = strong.categories["billing"].handle_min
    assert dee_weak < dee_strong == pytest.approx(team, rel=1e-3)


def test_reopens_lower_the_level_at_equal_speed():
    records = [
        ticket(n, agent, 10.0, reopens=int(agent == "bob" and n % 2 == 0))
        for n in range(200)
        for agent in ("ann", "bob")
    ]
    for n, record in enumerate(records):  # distinct ids
        records[n] = record.model_copy(update={"id": f"{n}"})
    strengths = learn(past_of(records), Options(prior_strength=5.0))
    ann, bob = (strengths.agents[a].categories["billing"] for a in ("ann", "bob"))
    assert ann.handle_min == pytest.approx(bob.handle_min)
    assert bob.reopen_rate > ann.reopen_rate and bob.level < ann.level


def test_unassigned_history_teaches_nothing():
    with pytest.raises(ValueError, match="no ticket in the history has an assignee"):
        learn(past_of([ticket(1, None, 5.0)]))


# --- the closed loop: simulate known strengths, learn them back -----------------------------

TRUTH = {
    "ann": {"billing": 10, "tech": 1},
    "bob": {"billing": 5, "tech": 5},
    "cid": {"billing": 1, "tech": 10},
}
"""Each simulated agent's true level per category."""


def known_desk() -> Scenario:
    return Scenario.model_validate(
        {
            "name": "known strengths",
            "start": START.isoformat(),
            "horizon_days": 6,
            "handle_slowdown": 2.0,
            "agents": [
                {"id": agent, "groups": ["desk"], "skills": skills, "capacity": 1}
                for agent, skills in TRUTH.items()
            ],
            "traffic": {
                "arrivals": {"rate_per_hour": 2.5},
                "categories": {
                    name: {
                        "share": 1,
                        "skill": name,
                        "group": "desk",
                        "handle": {"dist": "lognormal", "mean_min": 20, "cv": 0.5},
                    }
                    for name in ("billing", "tech")
                },
                "reopen": {"probability": 0.1, "delay_min": 600},
            },
            "routing": {"policy": "round_robin"},
        }
    )


def as_history(records: list[TicketRecord], start: datetime) -> list[HistoryRecord]:
    """Finished simulated tickets as an export would show them (a reopen counts on the
    original ticket, as Zendesk's ``reopens`` does)."""

    def at(minute: float) -> datetime:
        return start + timedelta(minutes=minute)

    reopened = {r.ticket.removesuffix("r") for r in records if r.reopen}
    return [
        HistoryRecord(
            id=r.ticket,
            created_at=at(r.arrival),
            type=r.category,
            group=r.group,
            assignee=r.agent,
            requester=r.customer,
            first_assigned_at=at(r.assigned),
            first_reply_at=at(r.assigned + r.handle),
            solved_at=at(r.end),
            reopens=int(r.ticket in reopened),
        )
        for r in records
        if not r.reopen and not math.isnan(r.end)
    ]


@pytest.fixture(scope="module")
def simulated_history() -> list[Past]:
    scenario = known_desk()
    records = simulate(scenario, PolicyChoice("round_robin"))
    return past_of(as_history(records, scenario.start))


def test_learning_from_a_simulated_desk_recovers_who_is_better_at_what(simulated_history):
    strengths = learn(simulated_history)
    assert strengths.method.handle_prior.chosen == "estimated"
    assert strengths.method.reopens.from_field == len(simulated_history)
    for category in ("billing", "tech"):
        truth = sorted(TRUTH, key=lambda agent: -TRUTH[agent][category])
        learned = sorted(TRUTH, key=lambda a: strengths.agents[a].categories[category].relative)
        assert learned == truth, category
        levels = [strengths.level(agent, category) for agent in truth]
        assert levels == sorted(levels, reverse=True) and levels[0] > levels[-1]


def test_a_scenario_fitted_from_that_history_gives_its_agents_the_learned_strengths(
    simulated_history,
):
    scenario = fit(simulated_history)
    skills = {spec.id: spec.skills for spec in scenario.agents}
    assert scenario.handle_slowdown == SLOWDOWN
    for category in ("billing", "tech"):
        truth = sorted(TRUTH, key=lambda agent: -TRUTH[agent][category])
        assert [skills[a][category] for a in truth] == sorted(
            (skills[a][category] for a in truth), reverse=True
        )
    assert simulate(scenario.evolve(horizon_days=1))  # and it runs

"""Agent fit: a misfit agent takes longer and causes more reopens; the draws stay common."""

from __future__ import annotations

from typing import Any

import pytest

from router.model import Agent, Ticket
from simulation.agent_fit import WorkFactors, factors, reopen_chance, speaks
from simulation.run import PolicyChoice, simulate
from simulation.scenario import AgentFit, Scenario, parse_scenario

START = "2026-01-05T00:00:00+00:00"


def agent(languages: tuple[str, ...] = (), level: int = 10) -> Agent:
    return Agent(id="a", languages=frozenset(languages), skills={"ORDER": level})


def ticket(language: str | None = "de") -> Ticket:
    return Ticket(id="t", created_at=START, language=language, required_skills={"ORDER": 1})


FIT = AgentFit(skill_reopen=1.0, language_handle=1.5, language_reopen=2.0)


@pytest.mark.parametrize(
    ("who", "language", "expected"),
    [
        pytest.param(agent(("de",)), "de", WorkFactors(1.0, 1.0), id="native-expert"),
        pytest.param(agent(("en",)), "de", WorkFactors(1.5, 2.0), id="expert-without-german"),
        pytest.param(agent(), "de", WorkFactors(1.0, 1.0), id="no-languages-listed-speaks-all"),
        pytest.param(agent(("en",)), None, WorkFactors(1.0, 1.0), id="ticket-without-language"),
        pytest.param(agent(("de",), 5), "de", WorkFactors(1.3, 1.5), id="half-skilled-native"),
        pytest.param(agent(("en",), 5), "de", WorkFactors(1.95, 3.0), id="half-skilled-misfit"),
    ],
)
def test_factors_follow_skill_and_language(who: Agent, language: str | None, expected) -> None:
    proficiency = who.level("ORDER") / 10
    got = factors(who, ticket(language), proficiency, FIT, slowdown=0.6)
    assert got.handle == pytest.approx(expected.handle)
    assert got.reopen == pytest.approx(expected.reopen)


def test_an_agent_who_lists_no_languages_speaks_every_one() -> None:
    assert (
        speaks(agent(), "fi") and speaks(agent(("fi",)), "fi") and not speaks(agent(("sv",)), "fi")
    )


def test_the_reopen_chance_never_exceeds_one() -> None:
    assert reopen_chance(0.3, 2.0) == pytest.approx(0.6)
    assert reopen_chance(0.6, 2.0) == 1.0


def german_desk(languages: list[str], **changes: Any) -> Scenario:
    """A one-team desk that works German tickets in or out of its language."""
    data: dict[str, Any] = {
        "name": "german-desk",
        "seed": 3,
        "horizon_days": 2,
        "drain_days": 3,
        "agent_fit": {"language_handle": 1.5, "language_reopen": 2.0},
        "agents": [{"team": "desk", "count": 3, "languages": languages, "capacity": 1}],
        "traffic": {
            "arrivals": {"rate_per_hour": 4},
            "categories": {"ORDER": {"share": 1, "handle": {"mean_min": 10}}},
            "languages": {"de": 1},
            "reopen": {"probability": 0.2, "delay_min": 60},
        },
    }
    data.update(changes)
    return parse_scenario(data, "german-desk")


def by_ticket(records) -> dict[str, Any]:
    return {r.ticket: r for r in records}


def test_a_misfit_agent_takes_longer_and_causes_more_reopens() -> None:
    fit = by_ticket(simulate(german_desk(["de", "en"])))
    misfit = by_ticket(simulate(german_desk(["en"])))
    fresh = [number for number in fit if not number.endswith("r")]
    assert fresh == [number for number in misfit if not number.endswith("r")]
    for number in fresh:  # the same base handle time, 1.5 times as long in English
        assert misfit[number].handle == pytest.approx(1.5 * fit[number].handle)
    fit_reopens = {n.removesuffix("r") for n in fit if n.endswith("r")}
    misfit_reopens = {n.removesuffix("r") for n in misfit if n.endswith("r")}
    assert fit_reopens < misfit_reopens  # the same draws: every fit reopen is a misfit one
    assert len(misfit_reopens) > 1.5 * len(fit_reopens)


def test_skill_level_raises_the_reopen_chance_by_skill_reopen() -> None:
    expert = german_desk(["de"], agent_fit={"skill_reopen": 1.0})
    skills = {"agents": [{"team": "desk", "count": 3, "skills": {"ORDER": 1}, "capacity": 1}]}
    categories = {"ORDER": {"share": 1, "skill": "ORDER", "handle": {"mean_min": 10}}}
    novice = expert.evolve(
        **skills, traffic={**expert.traffic.model_dump(), "categories": categories}
    )
    reopened = [sum(r.reopen for r in simulate(s)) for s in (expert, novice)]
    assert reopened[1] > 1.5 * reopened[0]


def test_a_neutral_agent_fit_changes_nothing() -> None:
    plain = german_desk(["en"], agent_fit=None)
    neutral = german_desk(["en"], agent_fit={})
    assert simulate(plain) == simulate(neutral)


def test_policies_share_the_reopen_draws_only_the_chance_depends_on_who_served() -> None:
    scenario = german_desk(["en"], agents=[
        {"team": "english", "count": 2, "languages": ["en"], "capacity": 1},
        {"team": "german", "count": 2, "languages": ["de"], "capacity": 1},
    ])  # fmt: skip
    one, other = (
        by_ticket(simulate(scenario, PolicyChoice(policy)))
        for policy in ("round_robin", "least_loaded")
    )

    def chance(record) -> float:  # language_reopen 2 for the English team
        return 0.2 * (2.0 if record.agent.startswith("english") else 1.0)

    checked = 0
    for number, first in one.items():
        if number.endswith("r") or first.agent is None or other[number].agent is None:
            continue
        second = other[number]
        if chance(first) <= chance(second):  # one draw: reopening at the lower chance ...
            checked += 1
            assert (number + "r" not in one) or (number + "r" in other)  # ... implies the higher
        assert (first.arrival, first.category) == (second.arrival, second.category)
    assert checked > 50

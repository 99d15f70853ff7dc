"""What simulated tickets say (``traffic.text: bitext``): English tickets carry an utterance
of their category from the shipped Bitext data, drawn alike for every policy, and the
router reads it as it reads a live ticket's text (the signals of ``router.signals``)."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

from router.roster import Roster
from router.signals import text_signals
from simulation.run import build_router, parse_choice, simulate
from simulation.scenario import Scenario, parse_scenario
from simulation.team import build_agents
from simulation.texts import bitext_utterances
from simulation.tickets import TicketMaker
from simulation.traffic import Arrival, generate


def talking_desk(text: str | None = "bitext") -> Scenario:
    data: dict[str, Any] = {
        "name": "talking-desk",
        "seed": 3,
        "horizon_days": 2,
        "agents": [{"team": "desk", "count": 3, "capacity": 1}],
        "traffic": {
            "arrivals": {"rate_per_hour": 12},
            "categories": {
                "ORDER": {"share": 0.5, "handle": {"mean_min": 10}},
                "FEEDBACK": {"share": 0.3, "handle": {"mean_min": 10}},
                "GIFT_CARDS": {"share": 0.2, "handle": {"mean_min": 10}},  # not Bitext's
            },
            "languages": {"en": 0.7, "de": 0.3},
            "text": text,
        },
    }
    return parse_scenario(data, "talking-desk")


def test_an_english_ticket_of_a_bitext_category_says_one_of_its_utterances() -> None:
    utterances = bitext_utterances()
    said = 0
    for arrival in generate(talking_desk()):
        if arrival.language == "en" and arrival.category in utterances:
            assert arrival.text in utterances[arrival.category]
            said += 1
        else:
            assert arrival.text is None  # Bitext is English, and has no GIFT_CARDS
    assert said > 200


def test_texts_leave_every_other_draw_as_it_was() -> None:
    silent = list(generate(talking_desk(text=None)))
    talking = list(generate(talking_desk()))
    assert [a._replace(text=None) for a in talking] == silent


def test_a_rule_on_a_text_signal_runs_on_simulated_tickets(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "version: 1\nrules:\n"
        "  - {name: cancel, when: {signal: cancel_order}, then: {set_priority: high}}\n",
        encoding="utf-8",
    )
    scenario = talking_desk()
    said = {str(a.number): a.text for a in generate(scenario)}
    records = simulate(scenario, parse_choice(f"round_robin@{rules}"))
    raised = 0
    for record in records:
        if record.reopen:
            continue
        cancels = "cancel_order" in text_signals(said[record.ticket] or "")
        assert (record.priority == "high") == cancels, said[record.ticket]
        raised += cancels
    assert raised > 5


def test_language_detection_reads_a_simulated_ticket_as_the_sidecar_reads_a_live_one(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "detect.yaml"
    policy.write_text("version: 1\nlanguage: {detect: true, override: true}\n", "utf-8")
    scenario = talking_desk()
    router = build_router(scenario, parse_choice(f"round_robin@{policy}"))
    tickets = TicketMaker(scenario, router, Roster(build_agents(scenario)).working_copy(), 0)
    text = "I want to cancel the order I placed yesterday, it has not shipped yet"
    row = Arrival(1, 30.0, "ORDER", "normal", "de", "email", 10.0, math.inf, None, text=text)
    made = tickets.make(row, scenario.start + timedelta(minutes=30), 30.0, reopen=False)
    assert made.ticket.body == text
    assert made.ticket.language == "en"  # the help desk said de; the text says otherwise
    assert made.ticket.predictions["language"].label == "en"

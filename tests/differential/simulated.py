"""Side (b): the script through the simulator, as ``deskroute simulate`` runs a replication."""

from __future__ import annotations

import math
from dataclasses import replace

from config.model_files import load_classifier
from simulation.model import DeskModel
from simulation.run import PolicyChoice, build_router
from simulation.team import build_agents, shift_changes
from simulation.traffic import batched
from tests.differential.script import Assigned, DeskScript
from tests.differential.words import WordedTickets


def simulated_assignments(script: DeskScript) -> list[Assigned]:
    """Every assignment the simulator makes for the script, in time order.

    The router is the one ``simulate`` builds (the policy file's rules, order and dealing,
    the policy under test) with the triage model added: ``simulate`` has no option for a
    classifier, and simulated tickets no text, which ``WordedTickets`` supplies.
    """
    scenario = script.scenario
    router = build_router(scenario, PolicyChoice(script.policy, script.params))
    model = load_classifier([script.model_file])
    router = replace(router, classifier=WordedTickets(model, script.words))
    desk = DeskModel(
        scenario, router, build_agents(scenario), batched(script.arrivals), 0,
        shift_changes(scenario),
    )  # fmt: skip
    records = desk.run()
    return sorted(
        Assigned(minute=record.assigned, ticket=record.ticket, agent=record.agent)
        for record in records
        if record.agent is not None and not math.isnan(record.assigned)
    )

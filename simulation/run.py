"""One simulation run: scenario + policy + replication -> records, through the real router."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from config.policy_file import load_policy
from router.engine import Router
from router.policies import make_policy
from simulation.model import DeskModel
from simulation.records import TicketRecord
from simulation.scenario import Scenario
from simulation.team import build_agents, shift_changes
from simulation.traffic import Arrival, batched, batches


@dataclass(frozen=True)
class PolicyChoice:
    """A policy to simulate: registered name, parameters, and the label shown in reports."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""

    @property
    def title(self) -> str:
        """The label, or the name with its parameters."""
        if self.label:
            return self.label
        if not self.params:
            return self.name
        return self.name + "(" + ", ".join(f"{k}={v}" for k, v in self.params.items()) + ")"


def parse_choice(text: str) -> PolicyChoice:
    """``gcmu`` or ``gcmu:exponent=2,by=type`` (values read as YAML scalars)."""
    import yaml

    name, _, rest = text.partition(":")
    params: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"policy parameter {part!r} must look like key=value")
        params[key.strip()] = yaml.safe_load(value)
    make_policy(name.strip(), **params)  # fail early with the registry's message
    return PolicyChoice(name.strip(), params)


def build_router(scenario: Scenario, choice: PolicyChoice | None = None) -> Router:
    """The router for a scenario: its policy file's rules and order, with ``choice``'s policy."""
    routing = scenario.routing
    name = choice.name if choice else routing.policy
    params = dict(choice.params) if choice else dict(routing.params)
    policy = make_policy(name, **params)
    if routing.policy_file is not None:
        base = load_policy(routing.policy_file).router()
        return Router(policy=policy, rules=base.rules, order=base.order, per_round=base.per_round)
    return Router(policy=policy, order=routing.order)


def simulate(
    scenario: Scenario,
    choice: PolicyChoice | None = None,
    replication: int = 0,
    arrivals: Iterable[Arrival] | None = None,
) -> list[TicketRecord]:
    """Run one replication and return one record per ticket (reopened tickets included)."""
    model = DeskModel(
        scenario,
        build_router(scenario, choice),
        build_agents(scenario, replication),
        batches(scenario, replication) if arrivals is None else batched(arrivals),
        replication,
        shift_changes(scenario),
    )
    return model.run()

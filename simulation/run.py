"""One simulation run: scenario + policy + replication -> records, through the real router."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from config.policy_file import load_policy
from router.engine import Router
from router.policies import make_policy
from simulation.model import DeskModel
from simulation.records import TicketRecord
from simulation.scenario import Routing, Scenario
from simulation.team import build_agents, shift_changes
from simulation.traffic import Arrival, batched, batches


@dataclass(frozen=True)
class PolicyChoice:
    """A policy to simulate: registered name, parameters, and the label shown in reports."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""
    policy_file: Path | None = None
    """A policy file whose rules, queue order and language detection replace the
    scenario's (``-p NAME@FILE``: two rule sets compared on the same customers)."""

    @property
    def title(self) -> str:
        """The label, or the name with the parameters it runs with (as YAML, as typed) and
        the policy file it runs with, if not the scenario's."""
        if self.label:
            return self.label
        name = self.name if self.policy_file is None else f"{self.name}@{self.policy_file.name}"
        if not self.params:
            return name
        shown = ", ".join(f"{key}={_yaml(value)}" for key, value in self.params.items())
        return f"{name}({shown})"

    def with_scenario_params(self, routing: Routing) -> PolicyChoice:
        """The scenario's own ``routing.params`` under these when this is its ``policy``
        (a parameter given here wins); any other policy is returned unchanged."""
        if self.name != routing.policy or not routing.params:
            return self
        return replace(self, params={**routing.params, **self.params})


def _yaml(value: Any) -> str:
    """A parameter value the way it would be typed: ``{urgent: 8, low: 1}``, ``2``, ``type``."""
    import yaml

    if isinstance(value, str | int | float | bool) or value is None:
        return str(value)
    return str(yaml.safe_dump(value, default_flow_style=True, sort_keys=False)).strip()


def parse_choice(text: str, routing: Routing | None = None) -> PolicyChoice:
    """``gcmu`` or ``gcmu:costs={urgent: 8, low: 1},exponent=2``: values are YAML, split at
    commas outside brackets, braces and quotes; ``NAME@FILE`` (before any ``:``) runs with
    FILE's rules, queue order and language detection instead of the scenario's policy
    file. With the scenario's ``routing``, its own policy keeps the scenario's parameters
    unless given here. Bad input (a policy file that cannot be read included) raises
    ValueError.
    """
    head, _, rest = text.partition(":")
    name, at, file_text = head.partition("@")
    name = name.strip()
    if not name:
        raise ValueError(f"policy {text!r}: give a policy name before the parameters")
    policy_file = None
    if at:
        if not file_text.strip():
            raise ValueError(f"policy {text!r}: give a policy file after @")
        policy_file = Path(file_text.strip())
        load_policy(policy_file)  # fail early: PolicyFileError names the file and field
    params = dict(_param(part, text) for part in split_top_level(rest, text))
    choice = PolicyChoice(name, params, policy_file=policy_file)
    if routing is not None:
        choice = choice.with_scenario_params(routing)
    try:
        make_policy(choice.name, **choice.params)  # fail early with the registry's message
    except (TypeError, ValueError) as error:  # the registry's message, with what was typed
        message = str(error)
        raise ValueError(message if text in message else f"{message} (in {text!r})") from None
    return choice


def _param(part: str, text: str) -> tuple[str, Any]:
    """One ``key=value`` with the value read as YAML."""
    import yaml

    key, sep, value = part.partition("=")
    key = key.strip()
    if not sep or not key.isidentifier():
        raise ValueError(f"policy {text!r}: parameter {part.strip()!r} must look like key=value")
    try:
        return key, yaml.safe_load(value)
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise ValueError(
            f"policy {text!r}: value of {key!r} is not valid YAML ({problem}): {value.strip()!r}"
        ) from None


_CLOSING = {"[": "]", "{": "}", "(": ")"}


def split_top_level(rest: str, text: str = "") -> list[str]:
    """``rest`` split at commas that are outside brackets, braces and quotes (empty parts
    dropped); unbalanced brackets or quotes raise ValueError naming ``text``.

    As in YAML, a quote opens a quoted scalar only where a value starts (``it's`` is plain).
    """
    parts: list[str] = []
    current: list[str] = []
    stack: list[str] = []
    quote, last = "", ","
    for char in rest:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"" and last in "=,:[{(":
            quote = char
        elif char in _CLOSING:
            stack.append(_CLOSING[char])
        elif char in "]})" and (not stack or stack.pop() != char):
            raise ValueError(f"policy {text or rest!r}: unexpected {char!r}")
        elif char == "," and not stack:
            parts.append("".join(current))
            current, last = [], ","
            continue
        current.append(char)
        last = char if not char.isspace() else last
    if quote or stack:
        raise ValueError(f"policy {text or rest!r}: missing a closing {quote or stack[-1]!r}")
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def build_router(scenario: Scenario, choice: PolicyChoice | None = None) -> Router:
    """The router for a scenario: its policy file's rules, order and language detection, with
    ``choice``'s policy."""
    routing = scenario.routing
    name = choice.name if choice else routing.policy
    params = dict(choice.params) if choice else dict(routing.params)
    policy = make_policy(name, **params)
    policy_file = routing.policy_file
    if choice is not None and choice.policy_file is not None:
        policy_file = choice.policy_file
    if policy_file is not None:
        base = load_policy(policy_file).router()
        return Router(
            policy=policy,
            rules=base.rules,
            order=base.order,
            per_round=base.per_round,
            language=base.language,
        )
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

"""What both sides of the differential test run, and what they are compared on.

The script is one desk's morning: the scenario (agents with shifts and breaks, routing),
its arrivals drawn once by the simulator's own traffic generator, the words each customer
writes, and the policy file (rules, queue order, dealing) written for the policy under
test. The result of a side is its sequence of assignments: ticket, agent and the minute
it was decided.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from simulation.scenario import Scenario, load_scenario
from simulation.traffic import Arrival, generate
from tests.differential.words import CustomerWords

HERE = Path(__file__).parent
DESK = HERE / "desk.yaml"
RULES = HERE / "rules.yaml"


@dataclass(frozen=True, kw_only=True, order=True)
class Assigned:
    """One assignment: at ``minute`` after the scenario start, ``ticket`` went to ``agent``."""

    minute: float
    ticket: str
    agent: str

    def describe(self, start: datetime) -> str:
        """``ticket 17 -> billing-01 at minute 123.4567 (08:03:27 local)``."""
        local = (start + timedelta(minutes=self.minute)).strftime("%H:%M:%S")
        return f"ticket {self.ticket} -> {self.agent} at minute {self.minute:.4f} ({local})"


@dataclass(frozen=True, kw_only=True)
class Span:
    """How much of the desk's day a script plays: arrivals for ``arrivals_min`` minutes at
    ``rate_per_hour``, then ``drain_min`` minutes to finish the work."""

    arrivals_min: float
    drain_min: float
    rate_per_hour: float


MORNING = Span(arrivals_min=80, drain_min=160, rate_per_hour=26)
"""06:00-07:20 arrivals, until 10:00: the early team alone, then general at 07:00, and the
backlogs of billing (08:00) and shipping (08:30) tickets dealt as those teams log in."""
WORKING_DAY = Span(arrivals_min=540, drain_min=720, rate_per_hour=30)
"""06:00-15:00 arrivals, until 03:00 next day: shifts, breaks and queues all day."""


@dataclass(frozen=True, kw_only=True)
class DeskScript:
    """The shared input: scenario, arrivals, customers' words, policy file and model file."""

    scenario: Scenario
    arrivals: tuple[Arrival, ...]
    words: CustomerWords
    policy_file: Path
    model_file: Path
    policy: str
    params: Mapping[str, Any]

    def moment(self, minute: float) -> datetime:
        """The instant ``minute`` minutes after the start, computed as the simulator's clock
        computes it (so both sides decide at the very same datetimes)."""
        start = self.scenario.start
        return datetime.fromtimestamp(start.timestamp() + minute * 60.0, start.tzinfo)

    def sla_due(self, priority: str, created: datetime) -> datetime | None:
        """The deadline the help desk's SLA policy gives a ticket of ``priority``."""
        minutes = self.scenario.sla_min.get(priority, math.inf)
        return None if minutes == math.inf else created + timedelta(minutes=minutes)

    @property
    def until(self) -> float:
        """The minute both sides stop: the horizon plus the drain time."""
        return self.scenario.horizon_min + self.scenario.drain_days * 1440.0


def desk_script(
    policy: str,
    params: Mapping[str, Any],
    span: Span,
    words: CustomerWords,
    model_file: Path,
    workdir: Path,
) -> DeskScript:
    """The script for one policy over ``span``: a policy file naming it (the shared rules
    otherwise), and the desk's scenario pointing at that file."""
    spec = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    spec["policy"] = {"name": policy, "params": dict(params)}
    policy_file = workdir / f"policy-{policy}.yaml"
    policy_file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    desk = load_scenario(DESK)
    routing = desk.routing.model_copy(
        update={"policy": policy, "params": dict(params), "policy_file": policy_file}
    )
    arrivals = desk.traffic.arrivals.model_copy(update={"rate_per_hour": span.rate_per_hour})
    scenario = desk.model_copy(update={
        "routing": routing,
        "traffic": desk.traffic.model_copy(update={"arrivals": arrivals}),
        "horizon_days": span.arrivals_min / 1440.0,
        "drain_days": span.drain_min / 1440.0,
    })  # fmt: skip
    return DeskScript(
        scenario=scenario, arrivals=tuple(generate(scenario)), words=words,
        policy_file=policy_file, model_file=model_file, policy=policy, params=params,
    )  # fmt: skip


def first_divergence(
    live: Sequence[Assigned], simulated: Sequence[Assigned], start: datetime, context: int = 3
) -> Divergence | None:
    """None when the sequences agree; else where they part."""
    pairs = enumerate(zip(live, simulated, strict=False))
    shorter = min(len(live), len(simulated))
    index = next((n for n, (ours, theirs) in pairs if ours != theirs), shorter)
    if index == len(live) == len(simulated):
        return None
    return Divergence(index=index, live=live, simulated=simulated, start=start, context=context)


@dataclass(frozen=True, kw_only=True)
class Divergence:
    """Where the live and simulated assignment sequences part."""

    index: int
    live: Sequence[Assigned]
    simulated: Sequence[Assigned]
    start: datetime
    context: int

    @property
    def live_one(self) -> Assigned | None:
        """The sidecar's assignment at the parting point (None: it made no more)."""
        return self.live[self.index] if self.index < len(self.live) else None

    @property
    def simulated_one(self) -> Assigned | None:
        """The simulator's assignment at the parting point (None: it made no more)."""
        return self.simulated[self.index] if self.index < len(self.simulated) else None

    def report(
        self,
        happened: Mapping[float, Sequence[str]] = {},
        describe: Callable[[str], str] | None = None,
    ) -> str:
        """The assignments agreed before, the two that differ, what happened at that instant
        on the live desk, and the tickets involved as the router sees them."""
        start = self.start
        before = self.live[max(0, self.index - self.context) : self.index]
        ours, theirs = self.live_one, self.simulated_one
        lines = [
            f"the sidecar and the simulator part at assignment {self.index + 1} "
            f"(of {len(self.live)} live, {len(self.simulated)} simulated)",
            "  agreed before:" if before else "  (no assignment agreed before)",
            *(f"    {a.describe(start)}" for a in before),
            "  sidecar:   " + (ours.describe(start) if ours else "(no more)"),
            "  simulator: " + (theirs.describe(start) if theirs else "(no more)"),
        ]
        moments = sorted({a.minute for a in (ours, theirs) if a is not None})
        for minute in moments:
            lines.append(
                f"  on the desk at minute {minute:.4f}: "
                + ("; ".join(happened.get(minute, ())) or "nothing")
            )
        if describe is not None:
            tickets = dict.fromkeys(a.ticket for a in (ours, theirs) if a is not None)
            lines.extend(f"  {describe(ticket)}" for ticket in tickets)
        return "\n".join(lines)

"""Recommend a routing policy for a scenario: search, guard, validate on fresh seeds.

1. **Baseline.** Each vendor preset (``router.policies.vendors.VENDOR_PRESETS``) is
   simulated on the search replications; the one with the best SLA attainment is the
   baseline: what the desk gets today without deskroute.
2. **Search.** Every other registered policy is simulated with its defaults, then tuned
   with Optuna over its own space (``simulation.tune.DEFAULT_SPACES``) and the shared
   settings every policy accepts (``SHARED_SPACE``: continuity, the reserve) on the same
   replications (common random numbers), under guards relative to the baseline: no
   priority class's SLA attainment more than ``priority_loss`` below the baseline's, and
   fairness over handle minutes no more than ``fairness_slack`` above it.
3. **Validation.** The best feasible candidate is simulated again beside every preset on
   *fresh* replications (numbers the search never saw), and compared with the preset that
   is best there, by paired differences with 95% intervals. A candidate that does not
   hold up (lower SLA on average, a priority class or fairness past its guard) is not
   recommended: the best preset is, and the result says why.

The recommendation is written as a ready policy file (``config.policy_file``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import yaml

from config.policy_file import load_policy
from router.names import unknown_name
from router.policies import policy_names
from router.policies.vendors import VENDOR_PRESETS
from simulation.compare import Comparison, Run, RunResult, compare, execute
from simulation.run import PolicyChoice
from simulation.scenario import PRIORITY_NAMES, Scenario
from simulation.stats import Interval, mean_ci
from simulation.tune import DEFAULT_SPACES, Constraint, Param, tune

FAIRNESS = "fairness_gini"
"""The fairness metric guarded (Gini of handle minutes over every agent, idle ones included)."""

FRESH_SEEDS = 1000
"""Validation replications are numbered from here: the search never sees them."""

SHARED_SPACE: tuple[Param, ...] = (
    Param("continuity_window_h", kind="choice", choices=(None, 72.0)),
    Param("reserve_agents", kind="choice", choices=(0, 1, 2)),
)
"""Shared settings every policy accepts, searched with each policy's own space."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Guards:
    """How far the recommendation may fall behind the baseline, and nowhere else."""

    priority_loss: float = 0.01
    """Each priority's SLA attainment may be at most this much below the baseline's."""
    fairness_slack: float = 0.0
    """Fairness (Gini, lower is fairer) may be at most this much above the baseline's."""

    def constraints(self, baseline: Mapping[str, float]) -> list[Constraint]:
        """The guards as tune constraints on replication means."""
        bounds = [
            Constraint(name, ">=", baseline[name] - self.priority_loss)
            for name in priority_metrics(baseline)
        ]
        if not math.isnan(baseline.get(FAIRNESS, math.nan)):
            bounds.append(Constraint(FAIRNESS, "<=", baseline[FAIRNESS] + self.fairness_slack))
        return bounds


@dataclass(frozen=True)
class Candidate:
    """One searched policy with parameters, its mean metrics on the search seeds."""

    choice: PolicyChoice
    metrics: Mapping[str, float]
    feasible: bool

    @property
    def sla(self) -> float:
        """Mean SLA attainment on the search replications."""
        return self.metrics.get("sla", math.nan)


@dataclass(frozen=True)
class Validation:
    """The chosen candidate against the presets on fresh replications."""

    candidate: PolicyChoice
    preset: str
    """The preset with the best SLA attainment on the fresh replications."""
    sla_gain: Interval
    priority_gain: Mapping[str, Interval]
    fairness_change: Interval
    comparison: Comparison
    problems: tuple[str, ...]
    """Why the candidate does not hold up (empty: it does)."""


@dataclass(frozen=True)
class Recommendation:
    """What was searched, what won, and how it held up."""

    baseline: Candidate
    candidates: tuple[Candidate, ...]
    validation: Validation
    recommended: PolicyChoice
    guards: Guards
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def fell_back(self) -> bool:
        """True when the search's winner did not hold up and the best preset is recommended."""
        return bool(self.validation.problems)


def priority_metrics(metrics: Mapping[str, float]) -> list[str]:
    """The per-priority SLA columns present (``sla_urgent`` ...), most urgent first."""
    names = [f"sla_{name}" for name in reversed(PRIORITY_NAMES)]
    return [name for name in names if not math.isnan(metrics.get(name, math.nan))]


def candidate_names(include: Sequence[str] = ()) -> list[str]:
    """Policies searched: ``include`` if given, else every registered non-vendor policy."""
    names = list(include) or [n for n in policy_names() if n not in VENDOR_PRESETS]
    unknown = [n for n in names if n not in policy_names()]
    if unknown:
        raise ValueError(unknown_name("policy", unknown[0], policy_names()))
    return names


def recommend(
    scenario: Scenario,
    *,
    include: Sequence[str] = (),
    trials: int = 6,
    replications: int = 3,
    validate: int = 10,
    guards: Guards | None = None,
    executor: str = "process",
    progress: Progress | None = None,
) -> Recommendation:
    """Search the registered policies on ``scenario`` and validate the winner (module doc)."""
    guards = guards or Guards()
    names = candidate_names(include)
    say = progress or (lambda _: None)
    say("simulating the vendor presets")
    presets = [_evaluate(scenario, PolicyChoice(n), replications, executor) for n in VENDOR_PRESETS]
    baseline = max(presets, key=lambda c: _or_low(c.sla))
    bounds = guards.constraints(baseline.metrics)
    candidates: list[Candidate] = []
    for name in names:
        say(f"searching {name}")
        candidates.extend(_search(scenario, name, bounds, trials, replications, executor))
    feasible = [c for c in candidates if c.feasible]
    best = max(feasible, key=lambda c: _or_low(c.sla)) if feasible else baseline
    chosen = rounded(best.choice)
    say(f"validating {chosen.title} on {validate} fresh replications")
    validation = _validate(scenario, chosen, validate, guards, executor)
    notes: list[str] = []
    if not feasible:
        notes.append("no searched policy met every guard on the search replications")
    recommended = PolicyChoice(validation.preset) if validation.problems else validation.candidate
    return Recommendation(
        baseline, tuple(candidates), validation, recommended, guards, tuple(notes)
    )


def rounded(choice: PolicyChoice, digits: int = 3) -> PolicyChoice:
    """``choice`` with float parameters to ``digits`` significant digits (what is validated
    and written is what a person reads)."""
    params = {
        key: float(f"{value:.{digits}g}") if isinstance(value, float) else value
        for key, value in choice.params.items()
    }
    return PolicyChoice(choice.name, params, choice.label)


def _or_low(value: float) -> float:
    return -math.inf if math.isnan(value) else value


def _params_for(scenario: Scenario, name: str) -> dict[str, Any]:
    """The scenario's own ``routing.params`` when it routes with ``name`` (else none)."""
    return dict(scenario.routing.params) if scenario.routing.policy == name else {}


def _evaluate(
    scenario: Scenario, choice: PolicyChoice, replications: int, executor: str
) -> Candidate:
    """Mean metrics of ``choice`` over the search replications (no guards: feasible)."""
    work = [Run(scenario, choice, r) for r in range(replications)]
    return Candidate(choice, _means(execute(work, executor)), True)  # type: ignore[arg-type]


def _means(results: Sequence[RunResult]) -> dict[str, float]:
    names = dict.fromkeys(m for r in results for m in r.metrics)
    return {m: mean_ci([r.metrics.get(m, math.nan) for r in results]).mean for m in names}


def _search(
    scenario: Scenario,
    name: str,
    bounds: Sequence[Constraint],
    trials: int,
    replications: int,
    executor: str,
) -> list[Candidate]:
    """The policy with its defaults, and its tuned trials when it has a search space."""
    fixed = _params_for(scenario, name)
    default = _evaluate(scenario, PolicyChoice(name, fixed), replications, executor)
    found = [Candidate(default.choice, default.metrics, _holds(default.metrics, bounds))]
    own = (*DEFAULT_SPACES.get(name, ()), *SHARED_SPACE)
    space: Sequence[Param] = [p for p in own if p.name not in fixed]
    if not space or trials < 1:
        return found
    result = tune(
        scenario,
        name,
        space,
        trials=trials,
        replications=replications,
        constraints=bounds,
        fixed=fixed,
        executor=executor,
    )
    for params, metrics, ok in result.trials:
        found.append(Candidate(PolicyChoice(name, {**fixed, **params}), metrics, ok))
    return found


def _holds(metrics: Mapping[str, float], bounds: Sequence[Constraint]) -> bool:
    return all(bound.violation(metrics) <= 0 for bound in bounds)


def _validate(
    scenario: Scenario, candidate: PolicyChoice, replications: int, guards: Guards, executor: str
) -> Validation:
    """The candidate beside every preset on fresh replications, against the best preset."""
    label = PolicyChoice(candidate.name, candidate.params, "recommended")
    choices = [label, *(PolicyChoice(n) for n in VENDOR_PRESETS)]
    work = [
        Run(scenario, choice, FRESH_SEEDS + r) for r in range(replications) for choice in choices
    ]
    preset, comparison = against_best_preset(execute(work, executor))  # type: ignore[arg-type]
    gains = comparison.differences["recommended"]
    nan = Interval(math.nan, math.nan, math.nan, 0)
    preset_means = {m: i.mean for m, i in comparison.intervals[preset].items()}
    priority = {m: gains[m] for m in priority_metrics(preset_means) if m in gains}
    validation = Validation(
        candidate,
        preset,
        gains.get("sla", nan),
        priority,
        gains.get(FAIRNESS, nan),
        comparison,
        (),
    )
    return _judged(validation, guards)


def against_best_preset(results: Sequence[RunResult]) -> tuple[str, Comparison]:
    """The vendor preset with the best mean SLA attainment among ``results``, and the
    comparison of every policy there against it (paired differences)."""
    slas = {
        name: _means([r for r in results if r.policy == name]).get("sla", math.nan)
        for name in VENDOR_PRESETS
    }
    preset = max(VENDOR_PRESETS, key=lambda n: _or_low(slas[n]))
    return preset, compare(sorted(results, key=lambda r: r.policy != preset))


def _judged(validation: Validation, guards: Guards) -> Validation:
    """The validation with the reasons, if any, the candidate does not hold up."""
    problems: list[str] = []
    if not validation.sla_gain.mean >= 0:
        problems.append(
            f"SLA attainment {validation.sla_gain.mean:+.3f} against {validation.preset}"
        )
    for name, gain in validation.priority_gain.items():
        if gain.mean < -guards.priority_loss:
            problems.append(f"{name} {gain.mean:+.3f} (guard -{guards.priority_loss:g})")
    change = validation.fairness_change.mean
    if not math.isnan(change) and change > guards.fairness_slack:
        problems.append(f"{FAIRNESS} {change:+.3f} (guard +{guards.fairness_slack:g})")
    return replace(validation, problems=tuple(problems))


def policy_file_text(scenario: Scenario, result: Recommendation, source: str, written: date) -> str:
    """The recommended policy as a ready policy file, with how it was found as comments."""
    check = result.validation
    lines = [
        f"# Recommended by `deskroute recommend` for {source} on {written:%Y-%m-%d}.",
        f"# Validated on {check.sla_gain.n} fresh replications against {check.preset}: "
        f"SLA attainment {check.sla_gain} (paired difference, 95% CI).",
    ]
    if result.fell_back:
        lines.append(
            f"# The search's winner ({check.candidate.title}) did not hold up: "
            + "; ".join(check.problems)
            + f". This file keeps the best preset, {check.preset}."
        )
    return policy_file_of(scenario, result.recommended, lines)


def policy_file_of(scenario: Scenario, chosen: PolicyChoice, comments: Sequence[str]) -> str:
    """``chosen`` as a ready policy file after the ``comments`` lines: its parameters, the
    scenario's queue order, and its policy file's rules and VIP lists when it has one."""
    routing = scenario.routing
    data: dict[str, Any] = {"version": 1}
    data["policy"] = {"name": chosen.name, "params": dict(chosen.params)}
    if routing.policy_file is not None:
        base = load_policy(routing.policy_file)
        data["queue"] = {"order": list(base.queue.order)}
        data["backlog"] = {"per_round": base.backlog.per_round}
        dumped = base.model_dump(mode="json", exclude_defaults=True)
        for key in ("vip", "rules"):
            if key in dumped:
                data[key] = dumped[key]
    else:
        data["queue"] = {"order": list(routing.order)}
    header = "".join(f"{line}\n" for line in comments)
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

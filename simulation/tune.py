"""Tune a policy's parameters with Optuna: an objective metric, constraints, common random numbers.

Every trial simulates the same replications (same seeds), so trials differ only by their
parameters. Constraints such as ``fairness_gini<=0.25`` are handed to Optuna's TPE sampler as
constraint values (feasible when <= 0) and infeasible trials never become the best.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import optuna

from router.policies import make_policy
from simulation.compare import Run, execute
from simulation.run import PolicyChoice
from simulation.scenario import Scenario
from simulation.stats import mean_ci


@dataclass(frozen=True)
class Param:
    """One searched parameter: float/int range (optionally log scale) or a list of choices."""

    name: str
    low: float = 0.0
    high: float = 1.0
    kind: str = "float"  # float | int | log | choice
    choices: tuple[Any, ...] = ()

    def suggest(self, trial: optuna.Trial) -> Any:
        """Ask the trial for a value."""
        if self.kind == "choice":
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high))
        return trial.suggest_float(self.name, self.low, self.high, log=self.kind == "log")


DEFAULT_SPACES: Mapping[str, tuple[Param, ...]] = {
    "gcmu": (
        Param("exponent", 0.0, 3.0),
        Param("slowdown", 0.0, 2.0),
        Param("trade_priority", kind="choice", choices=(False, True)),
    ),
    "fixed_queue_ratio": (Param("trade_priority", kind="choice", choices=(False, True)),),
    "threshold_overflow": (Param("wait_s", 60.0, 14400.0, "log"),),
    "skills": (
        Param("optional_skills_timeout_s", 60.0, 14400.0, "log"),
        Param("match", kind="choice", choices=("highest", "closest")),
    ),
    "skills_least_loaded": (Param("fair_limit", 2, 60, "int"),),
    "chatwoot_balanced": (Param("fair_limit", 2, 100, "int"),),
    "least_loaded": (Param("fair_limit", 2, 60, "int"),),
    "round_robin": (Param("fair_limit", 2, 60, "int"),),
}

NATIVE_CONSTRAINTS = hasattr(optuna.trial.Trial, "set_constraint")
"""Optuna 5 takes constraints from the trial; older versions from the sampler."""

_PARAM = re.compile(r"^(?P<name>\w+)=(?P<spec>.+)$")


def parse_param(text: str) -> Param:
    """``wait_s=60:3600:log``, ``fair_limit=2:40:int``, ``exponent=0:3`` or ``match=a|b``."""
    found = _PARAM.match(text.strip())
    if not found:
        raise ValueError(f"search parameter {text!r} must look like name=low:high[:log|int]")
    name, spec = found["name"], found["spec"]
    if "|" in spec:
        return Param(name, kind="choice", choices=tuple(spec.split("|")))
    parts = spec.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("log", "int", "float")):
        raise ValueError(f"search parameter {text!r}: expected low:high[:log|int]")
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"search parameter {text!r}: low and high must be numbers") from None
    if low >= high:
        raise ValueError(f"search parameter {name}: low must be below high")
    return Param(name, low, high, parts[2] if len(parts) == 3 else "float")


_BOUND = re.compile(r"^(?P<metric>\w+)\s*(?P<op><=|>=)\s*(?P<value>[-+0-9.eE]+)$")


@dataclass(frozen=True)
class Constraint:
    """``metric <= bound`` or ``metric >= bound`` on the replication mean."""

    metric: str
    op: str
    bound: float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        """Read ``fairness_gini<=0.25``."""
        found = _BOUND.match(text.replace(" ", ""))
        if not found:
            raise ValueError(f"constraint {text!r} must look like metric<=value or metric>=value")
        return cls(found["metric"], found["op"], float(found["value"]))

    def violation(self, metrics: Mapping[str, float]) -> float:
        """How far the constraint is broken (<= 0 when it holds)."""
        value = metrics.get(self.metric, math.nan)
        if math.isnan(value):
            return 1.0
        return value - self.bound if self.op == "<=" else self.bound - value

    def __str__(self) -> str:
        return f"{self.metric}{self.op}{self.bound:g}"


@dataclass(frozen=True)
class TuneResult:
    """The best feasible trial and every trial's parameters and metrics."""

    best_params: dict[str, Any] | None
    best_value: float | None
    trials: list[tuple[dict[str, Any], dict[str, float], bool]]


def tune(
    scenario: Scenario,
    policy: str,
    space: Sequence[Param],
    *,
    trials: int,
    replications: int,
    objective: str = "sla",
    maximize: bool = True,
    constraints: Sequence[Constraint] = (),
    storage: str | None = None,
    study_name: str | None = None,
    fixed: Mapping[str, Any] | None = None,
    executor: str = "process",
    on_trial: Callable[[int], None] | None = None,
) -> TuneResult:
    """Search ``space`` for the policy's best parameters on ``scenario``."""
    if not space:
        raise ValueError(f"no search space for {policy!r}: give --param name=low:high")
    base = dict(fixed or {})
    make_policy(policy, **base)
    unmeasured: list[str] = []

    def evaluate(trial: optuna.Trial) -> float:
        params = {**base, **{p.name: p.suggest(trial) for p in space}}
        work = [Run(scenario, PolicyChoice(policy, params), r) for r in range(replications)]
        runs = execute(work, executor)  # type: ignore[arg-type]
        names = {m for run in runs for m in run.metrics}
        means = {m: mean_ci([run.metrics.get(m, math.nan) for run in runs]).mean for m in names}
        trial.set_user_attr("metrics", means)
        violations = [c.violation(means) for c in constraints]
        trial.set_user_attr("constraints", violations)
        if NATIVE_CONSTRAINTS:
            for bound, violation in zip(constraints, violations, strict=True):
                trial.set_constraint(str(bound), violation)
        if on_trial is not None:
            on_trial(trial.number)
        value = means.get(objective, math.nan)
        if math.isnan(value):  # stop at once, without Optuna's traceback of a failed trial
            unmeasured.append(
                f"the objective {objective!r} has no value on {scenario.name}: no ticket it "
                f"counts in {scenario.horizon_days:g} days (a priority the scenario lacks, or "
                "too short a horizon?)"
            )
            trial.study.stop()
            raise optuna.TrialPruned()
        return value

    sampler = optuna.samplers.TPESampler(
        seed=scenario.seed,
        constraints_func=(
            (lambda t: t.user_attrs["constraints"])
            if constraints and not NATIVE_CONSTRAINTS
            else None
        ),
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize" if maximize else "minimize",
        sampler=sampler,
        storage=storage,
        study_name=study_name,
        load_if_exists=storage is not None,
    )
    study.optimize(evaluate, n_trials=trials)
    if unmeasured:
        raise ValueError(unmeasured[0])
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    rows = [
        (t.params, t.user_attrs["metrics"], all(v <= 0 for v in t.user_attrs["constraints"]))
        for t in done
    ]
    feasible = [t for t, row in zip(done, rows, strict=True) if row[2]]
    if not feasible:
        return TuneResult(None, None, rows)
    best = (max if maximize else min)(feasible, key=lambda t: float(t.value or 0.0))
    return TuneResult({**base, **best.params}, best.value, rows)

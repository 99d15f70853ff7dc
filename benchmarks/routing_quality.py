"""Routing quality: every registered policy and the recommended one, on each reference scenario.

For each scenario in ``config/scenarios/`` (or those given), ``deskroute recommend``'s
search picks a policy (search replications 0..n-1, validation on its own fresh seeds), then
every registered policy and the recommended one run ``--replications`` more replications
on seeds neither step saw (common random numbers across policies). Each policy is compared
with the best vendor preset *on these replications* by paired differences with 95%
intervals: SLA attainment, each priority's SLA, fairness over handle minutes. The table per
scenario is followed by a RESULT line with the recommended policy's gain per scenario, in
SLA points (percentage points), with its interval.

    .venv/bin/python benchmarks/routing_quality.py [--replications 10] [--trials 6]
        [--search-replications 3] [--days D] [SCENARIO.yaml ...]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from router.policies import policy_names
from simulation.compare import Comparison, Run, execute
from simulation.recommend import (
    FAIRNESS,
    Guards,
    against_best_preset,
    priority_metrics,
    recommend,
)
from simulation.run import PolicyChoice
from simulation.scenario import Scenario, load_scenario
from simulation.stats import Interval

REFERENCE = Path(__file__).resolve().parent.parent / "config" / "scenarios"
BENCH_SEEDS = 2000
"""Benchmark replications are numbered from here: neither the search nor its validation
(``simulation.recommend.FRESH_SEEDS``) used them."""

RECOMMENDED = "recommended"


@dataclass(frozen=True)
class Verdict:
    """The recommended policy against the best preset on one scenario."""

    scenario: str
    recommended: str
    preset: str
    gain: Interval
    worst_priority: float
    fairness: Interval

    @property
    def meets_bar(self) -> bool:
        """>= 5 SLA points with the interval above zero, no priority > 1 point worse,
        fairness no worse (issue 15's bar)."""
        return (
            self.gain.mean >= 0.05
            and self.gain.low > 0
            and self.worst_priority >= -0.01
            and not self.fairness.mean > 0
        )


def points(value: float) -> str:
    """A share difference in percentage points, signed."""
    return "n/a" if math.isnan(value) else f"{value * 100:+.1f}"


def interval_points(interval: Interval) -> str:
    """Mean and 95% interval in points."""
    if interval.n < 2:
        return points(interval.mean)
    return f"{points(interval.mean)} [{points(interval.low)}, {points(interval.high)}]"


def benchmark(
    scenario: Scenario, replications: int, trials: int, search: int
) -> tuple[Verdict, Comparison]:
    """Recommend on ``scenario``, then run everything on fresh seeds against the best preset."""
    found = recommend(
        scenario, trials=trials, replications=search, validate=max(3, search), guards=Guards()
    )
    chosen = found.recommended
    choices = [
        *(PolicyChoice(name) for name in policy_names()),
        PolicyChoice(chosen.name, chosen.params, RECOMMENDED),
    ]
    work = [
        Run(scenario, choice, BENCH_SEEDS + r) for r in range(replications) for choice in choices
    ]
    preset, comparison = against_best_preset(execute(work, "process"))
    gains = comparison.differences[RECOMMENDED]
    preset_means = {m: i.mean for m, i in comparison.intervals[preset].items()}
    worst = min((gains[m].mean for m in priority_metrics(preset_means)), default=0.0)
    verdict = Verdict(
        scenario.name, chosen.title, preset, gains["sla"], worst, gains.get(FAIRNESS, _nan())
    )
    return verdict, comparison


def _nan() -> Interval:
    return Interval(math.nan, math.nan, math.nan, 0)


def show(scenario: Scenario, verdict: Verdict, comparison: Comparison) -> None:
    """One scenario's table: each policy's SLA and its paired gains over the best preset."""
    preset = verdict.preset
    base = comparison.intervals[preset]
    base_means = {m: i.mean for m, i in base.items()}
    classes = priority_metrics(base_means)
    print(f"\n== {scenario.name}: best preset {preset} (SLA {base['sla'].mean:.1%}) ==")
    header = ["policy", "sla", "Δsla pts [95% CI]", *(f"Δ{c} pts" for c in classes), "Δfair"]
    print(" | ".join(header))
    for policy in comparison.policies:
        sla = comparison.intervals[policy]["sla"].mean
        if policy == preset:
            print(f"{policy} (best preset) | {sla:.1%} | 0 (reference)")
            continue
        gains = comparison.differences[policy]
        cells = [
            policy,
            f"{sla:.1%}",
            interval_points(gains["sla"]),
            *(points(gains[c].mean) for c in classes),
            f"{gains.get(FAIRNESS, _nan()).mean:+.3f}",
        ]
        print(" | ".join(cells))
    unstaffed = base.get("misses_unstaffed")
    if unstaffed is not None and not math.isnan(unstaffed.mean):
        print(
            f"misses nobody was on shift for: {unstaffed.mean:.0%} of the preset's misses "
            "(routing cannot reach them; try `deskroute staff`)"
        )
    print(
        f"recommended = {verdict.recommended}: {interval_points(verdict.gain)} SLA points "
        f"vs {preset}; worst priority {points(verdict.worst_priority)}; "
        f"{'meets' if verdict.meets_bar else 'misses'} the +5-point bar"
    )


def scenario_paths(given: Sequence[str]) -> list[Path]:
    """The scenarios asked for, or every shipped reference scenario."""
    return [Path(p) for p in given] or sorted(REFERENCE.glob("*.yaml"))


def main() -> None:
    """Benchmark each scenario and print the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help="scenario files (default: the reference set)")
    parser.add_argument("--replications", "-n", type=int, default=10)
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--search-replications", type=int, default=3)
    parser.add_argument("--days", type=float, default=None, help="override each horizon")
    args = parser.parse_args()
    if args.replications < 2:
        parser.error("--replications must be at least 2 (intervals need two)")
    verdicts: list[Verdict] = []
    for path in scenario_paths(args.scenarios):
        scenario = load_scenario(path)
        if args.days is not None:
            scenario = scenario.evolve(
                horizon_days=args.days, warmup_days=min(scenario.warmup_days, args.days / 4)
            )
        started = time.perf_counter()
        verdict, comparison = benchmark(
            scenario, args.replications, args.trials, args.search_replications
        )
        show(scenario, verdict, comparison)
        print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        sys.stdout.flush()  # one scenario's table as soon as it is done
        verdicts.append(verdict)
    met = sum(v.meets_bar for v in verdicts)
    print(
        "RESULT routing_quality: "
        + "; ".join(f"{v.scenario} {interval_points(v.gain)} pts" for v in verdicts)
        + f" (recommended vs best vendor preset, paired 95% CI; {met}/{len(verdicts)} "
        "meet the +5-point bar)"
    )


if __name__ == "__main__":
    main()

"""``deskroute recommend``: search the policies on a scenario and write a ready policy file."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from cli.output_paths import file_or_exit
from simulation.recommend import FAIRNESS, Guards, Recommendation, policy_file_text, recommend
from simulation.scenario import Scenario, ScenarioError, load_scenario

console = Console()
err = Console(stderr=True)


def _fail(message: object) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(2)


def recommend_command(
    scenario_path: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML."),
    out: Path = typer.Option(
        Path("recommended-policy.yaml"), "--out", "-o", help="Policy file to write."
    ),
    policy: list[str] = typer.Option(
        [], "--policy", "-p", help="Search only these policies (repeatable; default: all)."
    ),
    trials: int = typer.Option(6, "--trials", min=0, help="Optuna trials per policy."),
    replications: int = typer.Option(
        3, "--replications", "-n", min=1, help="Search replications (same seeds for all)."
    ),
    validate: int = typer.Option(
        10, "--validate", min=2, help="Fresh replications the winner is validated on."
    ),
    priority_loss: float = typer.Option(
        0.01,
        "--max-priority-loss",
        min=0.0,
        max=1.0,
        help="A priority's SLA attainment may fall at most this far below the best preset's.",
    ),
    fairness_slack: float = typer.Option(
        0.0, "--fairness-slack", min=0.0, help=f"{FAIRNESS} may rise at most this much."
    ),
    days: float | None = typer.Option(None, "--days", min=0.5, help="Override the horizon."),
    executor: str = typer.Option("process", "--executor", help="process or serial."),
) -> None:
    """Find the policy that beats the vendor presets on your scenario, and prove it on fresh seeds.

    The presets (Zendesk, Freshdesk, Chatwoot defaults) set the baseline; every other policy
    is searched under guards (no priority worse, fairness no worse), and the winner is
    re-run against the presets on replications the search never saw. If it does not hold
    up, the best preset is recommended and the reason printed.
    """
    if executor not in ("process", "serial"):
        raise _fail(f"--executor must be process or serial, not {executor!r}")
    file_or_exit(out)
    scenario = _scenario(scenario_path, days)
    try:
        with err.status("recommending...") as status:
            result = recommend(
                scenario,
                include=policy,
                trials=trials,
                replications=replications,
                validate=validate,
                guards=Guards(priority_loss, fairness_slack),
                executor=executor,
                progress=lambda text: status.update(text + "..."),
            )
    except ValueError as error:
        raise _fail(error) from None
    _show(result)
    out.write_text(
        policy_file_text(scenario, result, scenario_path.name, datetime.now(UTC).date()),
        encoding="utf-8",
    )
    err.print(f"wrote {out}")


def _scenario(path: Path, days: float | None) -> Scenario:
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        raise _fail(error) from None
    if days is None:
        return scenario
    return scenario.evolve(horizon_days=days, warmup_days=min(scenario.warmup_days, days / 4))


def _show(result: Recommendation) -> None:
    best = sorted(result.candidates, key=lambda c: -c.sla if not math.isnan(c.sla) else 1.0)
    table = Table(title=f"search (baseline: {result.baseline.choice.title})")
    for name in ("policy", "sla", FAIRNESS, "guards"):
        table.add_column(name, justify="left" if name == "policy" else "right")
    table.add_row(
        result.baseline.choice.title + " (baseline)",
        f"{result.baseline.sla:.3f}",
        f"{result.baseline.metrics.get(FAIRNESS, math.nan):.3f}",
        "",
    )
    for candidate in best[:12]:
        table.add_row(
            candidate.choice.title,
            f"{candidate.sla:.3f}",
            f"{candidate.metrics.get(FAIRNESS, math.nan):.3f}",
            "✓" if candidate.feasible else "✗",
        )
    console.print(table)
    check = result.validation
    console.print(
        f"validated {check.candidate.title} against {check.preset} on {check.sla_gain.n} "
        f"fresh replications: SLA attainment {check.sla_gain} (paired, 95% CI)"
    )
    for name, gain in check.priority_gain.items():
        console.print(f"  {name}: {gain}")
    console.print(f"  {FAIRNESS}: {check.fairness_change}")
    if result.fell_back:
        console.print("[yellow]the winner did not hold up: " + "; ".join(check.problems) + "[/]")
    console.print(f"recommended: [bold]{result.recommended.title}[/]")


def register(app: typer.Typer) -> None:
    """Add ``recommend`` to the root app."""
    app.command("recommend")(recommend_command)

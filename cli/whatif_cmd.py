"""``deskroute whatif HISTORY``: from a history export to a verdict, a report and a policy file.

Every step is an existing path: ``scenario fit`` (with its quality report), the vendor
preset standing for today's routing, ``simulate``'s comparison with replications added
until the intervals are narrow enough, the report ``simulate --out`` writes (with the
verdict first) and the policy file ``recommend`` writes. Docs: docs/whatif.md.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console

from cli.output_paths import folder_or_exit
from cli.simulate_cmd import EXECUTORS, _fail, _progress, _read_past, show_quality
from router.policies import policy_names
from simulation.compare import Comparison
from simulation.fit import fit_history
from simulation.fit_quality import FitQuality
from simulation.plots import write_plots
from simulation.recommend import Guards
from simulation.replay import Past
from simulation.replicate import Replicated, StopRule, replicate
from simulation.report import miss_note, write_html, write_summary_csv
from simulation.scenario import Scenario, dump_scenario
from simulation.verdict import Verdict, judge
from simulation.whatif import (
    candidate_choices,
    caution,
    certainty,
    credibility,
    observed_sla,
    plotted,
    policy_file,
    todays_routing,
)

console = Console()
err = Console(stderr=True)


def whatif_command(
    history: Path = typer.Argument(..., help="History export (.jsonl, `deskroute export`) or CSV."),
    out: Path = typer.Option(
        Path("whatif"), "--out", help="Folder for the report, CSVs, scenario and policy file."
    ),
    today: str | None = typer.Option(
        None,
        "--today",
        help="The vendor preset that stands for today's routing (default: the help desk "
        "the history came from).",
    ),
    policy: list[str] = typer.Option(
        [], "--policy", "-p", help="Candidate policy (repeatable; default: every other one)."
    ),
    timezone: str = typer.Option("UTC", "--timezone", help="The desk's time zone."),
    days: float | None = typer.Option(
        None, "--days", min=0.01, help="Days to simulate (default: the history's length)."
    ),
    replications: int = typer.Option(
        5, "--replications", "-n", min=2, help="Replications of the first batch."
    ),
    max_replications: int = typer.Option(
        40, "--max-replications", min=2, help="Never more replications than this."
    ),
    precision: float = typer.Option(
        1.0,
        "--precision",
        min=0.01,
        help="Stop adding replications when every SLA difference is known to ± this many "
        "points (95% interval).",
    ),
    priority_loss: float = typer.Option(
        0.01,
        "--max-priority-loss",
        min=0.0,
        max=1.0,
        help="A candidate may cost a priority at most this much SLA attainment (0.01: a point).",
    ),
    min_gain: float = typer.Option(
        1.0,
        "--min-gain",
        min=0.0,
        help="Switch only for at least this many points of SLA attainment on average.",
    ),
    executor: str = typer.Option("process", "--executor", help="process or serial."),
    workers: int | None = typer.Option(None, "--workers", help="Local processes (default: cores)."),
) -> None:
    """What would change if the desk routed differently? Fit the history, compare today's
    routing with candidates until the intervals are narrow, write a verdict, a report and
    the policy file to try in shadow mode."""
    _check(out, executor, policy, replications, max_replications, timezone)
    try:
        rule = StopRule(precision / 100, replications, 5, max_replications)
    except ValueError as error:
        raise _fail(error) from None
    past = _read_past(history)
    try:
        chosen = todays_routing(past, today)
        fitted = fit_history(past, name=history.stem, timezone=timezone)
    except ValueError as error:
        raise _fail(error) from None
    scenario = fitted.scenario
    if days is not None:
        scenario = scenario.evolve(horizon_days=days)
    show_quality(fitted.quality)
    console.print(f"today's routing: {chosen.reason}", markup=False)
    choices = candidate_choices(chosen.preset, policy)
    with _progress() as bar:
        task = bar.add_task("replications", total=rule.first * len(choices))
        replicated = replicate(
            scenario,
            choices,
            rule,
            executor,  # type: ignore[arg-type]
            workers,
            progress=lambda _: bar.advance(task),
            planned=lambda total: bar.update(task, total=total),
        )
    guards = Guards(priority_loss=priority_loss)
    verdict = _verdict(past, scenario, fitted.quality, replicated, guards, min_gain / 100)
    _show(verdict)
    _write(out, history, scenario, fitted.quality.warnings, replicated, verdict)


def _verdict(
    past: list[Past],
    scenario: Scenario,
    quality: FitQuality,
    replicated: Replicated,
    guards: Guards,
    min_gain: float,
) -> Verdict:
    """The verdict, with how certain it is and why the misses happen."""
    check = credibility(observed_sla(past, scenario), replicated)
    notes = [certainty(quality, replicated, check)]
    note = miss_note(replicated.comparison)
    if note:
        notes.append(note)
    return judge(replicated.comparison, guards, notes, min_gain, caution(quality))


def _check(out: Path, executor: str, names: list[str], first: int, cap: int, timezone: str) -> None:
    """User mistakes, found before any work starts (exit 2)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(f"--timezone {timezone!r} is not a time zone (e.g. Europe/Berlin)") from None
    if executor not in EXECUTORS[:2]:
        raise _fail(f"--executor must be process or serial, not {executor!r}")
    unknown = [n for n in names if n not in policy_names()]
    if unknown:
        raise _fail(f"unknown policy {unknown[0]!r} (known: {', '.join(policy_names())})")
    if first > cap:
        raise _fail(f"--replications {first} is more than --max-replications {cap}")
    folder_or_exit(out)


def _show(verdict: Verdict) -> None:
    console.rule("verdict")
    for paragraph in verdict.paragraphs:
        console.print(paragraph, markup=False, highlight=False)
        console.print()


def _write(
    out: Path,
    history: Path,
    scenario: Scenario,
    warnings: tuple[str, ...],
    replicated: Replicated,
    verdict: Verdict,
) -> None:
    """The report (verdict first), the CSV, the fitted scenario and the policy file."""
    comparison = replicated.comparison
    drawn = plotted(comparison)
    plots = write_plots(drawn, out, scenario.start, scenario.horizon_days)
    opening = verdict.html() + _warnings_html(warnings) + _plotted_html(drawn)
    report = write_html(comparison, scenario, plots, out / "report.html", opening, "What if")
    write_summary_csv(comparison, out / "summary.csv")
    (out / "scenario.yaml").write_text(dump_scenario(scenario), encoding="utf-8")
    written = datetime.now(UTC).date()
    policy_path = out / "policy.yaml"
    policy_path.write_text(policy_file(scenario, verdict, history.name, written), "utf-8")
    err.print(f"wrote {report}, summary.csv, scenario.yaml and {len(plots)} plots to {out}")
    console.print(
        f"policy file to try in shadow mode: {policy_path} ({verdict.chosen})", markup=False
    )


def _plotted_html(drawn: Comparison) -> str:
    names = ", ".join(html.escape(p) for p in drawn.details)
    return (
        f"<p>The plots show today's routing and the candidates with the largest SLA gain: "
        f"{names}; the tables show every policy.</p>"
    )


def _warnings_html(warnings: tuple[str, ...]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
    return f"<h3>How far to trust the fit</h3><ul>{items}</ul>"


def register(app: typer.Typer) -> None:
    """Add ``whatif`` to the root app."""
    app.command("whatif")(whatif_command)

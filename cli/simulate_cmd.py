"""``deskroute simulate``, ``tune``, ``staff`` and ``scenario fit``: try routing before it ships."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.help_format import WrappingGroup
from cli.output_paths import file_or_exit, folder_or_exit
from cli.simulate_view import comparison_table
from cli.skipped import report_skipped
from router.policies.registry import policy_params
from router.policies.strengths_file import StrengthsFileError, load_strengths
from simulation.compare import Comparison, compare, describe_executor, execute, runs
from simulation.fit import fit_history
from simulation.fit_quality import FitQuality
from simulation.glossary import check_metric
from simulation.plots import write_plots
from simulation.records import write_csv
from simulation.replay import Past, read_past
from simulation.replay import arrivals as replay_arrivals
from simulation.report import miss_note, sections, write_html, write_summary_csv
from simulation.run import PolicyChoice, parse_choice, simulate
from simulation.scenario import Scenario, ScenarioError, dump_scenario, load_scenario
from simulation.staff import Target, staff
from simulation.thresholds import Threshold, parse_thresholds
from simulation.tune import DEFAULT_SPACES, Constraint, parse_param, tune
from simulation.verdict import SIMULATE, judge

console = Console()
err = Console(stderr=True)
scenario_app = typer.Typer(
    help="Work with scenario files.", no_args_is_help=True, rich_markup_mode=None, cls=WrappingGroup
)

EXECUTORS = ("process", "serial", "dask")


def _fail(message: object) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(2)


def _scenario(path: Path | None, days: float | None, seed: int | None) -> Scenario:
    if path is None:
        raise _fail("give a SCENARIO file (or --replay HISTORY)")
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        raise _fail(error) from None
    return _adjusted(scenario, days, seed)


def _adjusted(scenario: Scenario, days: float | None, seed: int | None) -> Scenario:
    changes: dict[str, Any] = {}
    if days is not None and not days > 0:
        raise _fail(f"--days must be more than 0, not {days:g}")
    if days is not None:
        changes["horizon_days"] = days
        changes["warmup_days"] = min(scenario.warmup_days, days / 4)
    if seed is not None:
        changes["seed"] = seed
    try:
        return scenario.evolve(**changes) if changes else scenario
    except ValueError as error:
        raise _fail(error) from None


def _choices(texts: list[str], scenario: Scenario) -> list[PolicyChoice]:
    """The ``-p`` policies (the scenario's own keeps its ``routing.params`` unless given)."""
    if not texts:
        return [PolicyChoice(scenario.routing.policy, dict(scenario.routing.params))]
    try:
        return [parse_choice(text, scenario.routing) for text in texts]
    except ValueError as error:
        raise _fail(error) from None


def _thresholds(texts: list[str]) -> tuple[Threshold, ...]:
    try:
        return parse_thresholds(texts)
    except ValueError as error:
        raise _fail(f"--sl: {error}") from None


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )


def simulate_command(
    scenario_path: Path | None = typer.Argument(
        None, metavar="SCENARIO", help="Scenario YAML (optional with --replay)."
    ),
    policy: list[str] = typer.Option(
        [],
        "--policy",
        "-p",
        help="Policy to compare: gcmu, gcmu:exponent=2 or 'gcmu:costs={urgent: 8, low: 1}' "
        "(values are YAML). Repeat; default: the scenario's. The scenario's own policy keeps "
        "its routing.params unless a parameter is given here.",
    ),
    service_level: list[str] = typer.Option(
        [],
        "--sl",
        help="Report SL(t), the share of arrivals assigned within t, overall and per "
        "priority: 30m, 4h, 2d. Repeatable.",
    ),
    replications: int = typer.Option(
        5, "--replications", "-n", min=1, help="Independent replications per policy."
    ),
    out: Path | None = typer.Option(None, "--out", help="Directory for plots, report, CSVs."),
    replay: Path | None = typer.Option(
        None, "--replay", help="Replay arrivals from a history .jsonl or .csv."
    ),
    executor: str = typer.Option("process", "--executor", help="process, serial or dask."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address."),
    workers: int | None = typer.Option(None, "--workers", help="Local processes (default: cores)."),
    days: float | None = typer.Option(None, "--days", help="Override the horizon (days)."),
    seed: int | None = typer.Option(None, "--seed", help="Override the scenario's seed."),
    records: bool = typer.Option(False, "--records", help="Also write replication 0's records."),
) -> None:
    """Simulate policies on a scenario: confidence intervals, paired differences, plots, report."""
    if executor not in EXECUTORS:
        raise _fail(f"--executor must be one of {', '.join(EXECUTORS)}")
    if out is not None:
        folder_or_exit(out)
    within = _thresholds(service_level)
    past = None
    if replay is not None:
        past = _read_past(replay)
        scenario = (
            _scenario(scenario_path, None, seed) if scenario_path else _fitted(past, replay, seed)
        )
        first = past[0].record.created_at
        span = (past[-1].record.created_at - first).total_seconds() / 86400 + 1e-3
        scenario = scenario.evolve(
            start=first, horizon_days=span, warmup_days=min(scenario.warmup_days, span / 4)
        )
    else:
        scenario = _scenario(scenario_path, days, seed)
    choices = _choices(policy, scenario)
    replayed = replay_arrivals(past, scenario) if past is not None else None
    work = runs(scenario, choices, replications, replayed, within)
    err.print(
        f"simulating [bold]{scenario.name}[/]: {len(choices)} policies x {replications} "
        f"replications, {scenario.horizon_days:g} days, on "
        f"{describe_executor(executor, workers, scheduler)}"
    )
    with _progress() as bar:
        task = bar.add_task("replications", total=len(work))
        try:
            results = execute(
                work,
                executor,  # type: ignore[arg-type]
                workers,
                scheduler,
                progress=lambda _: bar.advance(task),
            )
        except ValueError as error:
            raise _fail(error) from None
    comparison = compare(results)
    for section in sections(comparison):
        console.print(comparison_table(comparison, section, scenario.name, console.width))
    note = miss_note(comparison)
    if note:
        console.print(note, style="yellow", markup=False)
    if out is not None:
        _write_outputs(comparison, scenario, out, choices, records, replayed)


def _fitted(past: list[Past], replay: Path, seed: int | None) -> Scenario:
    """The scenario fitted from the replayed history, its quality report shown."""
    fitted = fit_history(past, name=replay.stem)
    show_quality(fitted.quality)
    return _adjusted(fitted.scenario, None, seed)


def _write_outputs(
    comparison: Comparison,
    scenario: Scenario,
    out: Path,
    choices: list[PolicyChoice],
    records: bool,
    replayed: Any,
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "replications.csv").open("w", newline="", encoding="utf-8") as handle:
        names = list(dict.fromkeys(m for r in comparison.runs for m in r.metrics))
        writer = csv.writer(handle)
        writer.writerow(["policy", "replication", *names])
        for run in comparison.runs:
            writer.writerow(
                [run.policy, run.replication, *(run.metrics.get(m, math.nan) for m in names)]
            )
    plots = write_plots(comparison, out, scenario.start, scenario.horizon_days)
    verdict = judge(comparison, wording=SIMULATE).html() if len(comparison.policies) > 1 else ""
    report = write_html(comparison, scenario, plots, out / "report.html", verdict)
    write_summary_csv(comparison, out / "summary.csv")
    if records:
        for choice in choices:
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in choice.title)
            write_csv(simulate(scenario, choice, 0, replayed), out / f"records-{safe}.csv")
    err.print(f"wrote {report}, {len(plots)} plots, summary.csv and replications.csv to {out}")


def tune_command(
    scenario_path: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML."),
    policy: str = typer.Option(..., "--policy", "-p", help="Policy whose parameters to tune."),
    trials: int = typer.Option(20, "--trials", min=1, help="Optuna trials."),
    replications: int = typer.Option(
        3, "--replications", "-n", min=1, help="Replications per trial (same seeds every trial)."
    ),
    objective: str = typer.Option("sla", "--objective", help="Metric to optimise."),
    minimize: bool = typer.Option(False, "--minimize", help="Minimise instead of maximise."),
    constraint: list[str] = typer.Option(
        [], "--constraint", "-c", help="e.g. 'fairness_gini<=0.25' (repeatable)."
    ),
    param: list[str] = typer.Option(
        [], "--param", help="Search space: name=low:high[:log|int] or name=a|b."
    ),
    storage: str | None = typer.Option(None, "--storage", help="Optuna storage URL to share."),
    study: str | None = typer.Option(None, "--study", help="Study name in the storage."),
    days: float | None = typer.Option(None, "--days", help="Override the horizon (days)."),
    executor: str = typer.Option("process", "--executor", help="process or serial."),
) -> None:
    """Search a policy's parameters with Optuna; print the best and the trade-off."""
    scenario = _scenario(scenario_path, days, None)
    try:
        policy_params(policy)  # an unknown name is refused with the known ones
        space = [parse_param(p) for p in param] or list(DEFAULT_SPACES.get(policy, ()))
        bounds = [Constraint.parse(c) for c in constraint]
        for metric in (objective, *(c.metric for c in bounds)):
            check_metric(metric)
    except ValueError as error:
        raise _fail(error) from None
    with _progress() as bar:
        task = bar.add_task(f"tuning {policy}", total=trials)
        try:
            result = tune(
                scenario,
                policy,
                space,
                trials=trials,
                replications=replications,
                objective=objective,
                maximize=not minimize,
                constraints=bounds,
                storage=storage,
                study_name=study,
                executor=executor,
                on_trial=lambda _: bar.advance(task),
            )
        except ValueError as error:
            raise _fail(error) from None
    table = Table(title=f"{policy}: trials by {objective} (✓ meets every constraint)")
    shown = [objective, *dict.fromkeys(c.metric for c in bounds), "mean_wait", "fairness_gini"]
    shown = list(dict.fromkeys(shown))
    table.add_column("params")
    for name in shown:
        table.add_column(name, justify="right")
    table.add_column("ok")
    ordered = sorted(
        result.trials, key=lambda t: t[1].get(objective, math.nan), reverse=not minimize
    )
    for params, metrics, ok in ordered[:12]:
        table.add_row(
            ", ".join(f"{k}={_short(v)}" for k, v in params.items()),
            *(f"{metrics.get(m, math.nan):.4g}" for m in shown),
            "✓" if ok else "✗",
        )
    console.print(table)
    if result.best_params is None:
        err.print("[yellow]no trial met every constraint[/]")
        raise typer.Exit(1)
    console.print(
        f"best {objective} = {result.best_value:.4g} with "
        + ", ".join(f"{k}={_short(v)}" for k, v in result.best_params.items())
    )


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def staff_command(
    scenario_path: Path = typer.Argument(..., metavar="SCENARIO", help="Scenario YAML."),
    target: str = typer.Option(..., "--target", help="e.g. '80% within 1h'."),
    policy: str | None = typer.Option(None, "--policy", "-p", help="Policy (default: scenario's)."),
    replications: int = typer.Option(
        3, "--replications", "-n", min=1, help="Replications per staffing level tried."
    ),
    days: float | None = typer.Option(None, "--days", help="Override the horizon (days)."),
) -> None:
    """Fewest agents per team meeting a target: Erlang C estimate, refined by simulation."""
    scenario = _scenario(scenario_path, days, None)
    try:
        goal = Target.parse(target)
        choice = parse_choice(policy, scenario.routing) if policy else None
    except ValueError as error:
        raise _fail(error) from None
    with err.status("simulating staffing levels...") as status:
        result = staff(
            scenario,
            goal,
            choice=choice,
            replications=replications,
            progress=lambda text: status.update(f"trying {text}"),
        )
    table = Table(
        title=f"Staffing for {goal.share:.0%} within {goal.within_min:g} min "
        f"({result.evaluations} levels simulated)"
    )
    for column in ("team", "Erlang C", "simulated minimum", "share within target"):
        table.add_column(column, justify="left" if column == "team" else "right")
    table.add_column("measured on")
    levels = result.levels
    for team, count in result.counts.items():
        level = levels.teams.get(team, math.nan)
        table.add_row(
            team,
            str(result.erlang.get(team, "–")),
            str(count),
            "–" if math.isnan(level) else f"{level:.1%}",
            "any category it can take, in its hours"
            if team in levels.covers
            else "categories it is first for, in its hours",
        )
    table.add_row(
        "whole desk",
        str(sum(result.erlang.values())),
        str(sum(result.counts.values())),
        f"{levels.desk:.1%}",
        "every ticket in working hours",
        style="bold",
        end_section=True,
    )
    console.print(table)
    if not result.met:
        err.print("[yellow]the target was not met within the search limit[/]")
        raise typer.Exit(1)


@scenario_app.command("fit")
def fit_command(
    history: Path = typer.Argument(..., help="History export (.jsonl) or CSV."),
    out: Path = typer.Option(Path("fitted.yaml"), "--out", help="Scenario file to write."),
    name: str = typer.Option("fitted", "--name", help="Scenario name."),
    timezone: str = typer.Option("UTC", "--timezone", help="Zone of the arrival profile."),
    strengths: Path | None = typer.Option(
        None,
        "--strengths",
        help="Agents' levels from this strengths file (`deskroute skills learn`); "
        "default: learned from HISTORY itself.",
    ),
) -> None:
    """Fit arrival profile, ticket mix, handle times and team from history into a scenario."""
    file_or_exit(out)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(f"--timezone: unknown time zone {timezone!r} (e.g. Europe/Berlin)") from None
    learned = None
    if strengths is not None:
        try:
            learned = load_strengths(strengths)
        except StrengthsFileError as error:
            raise _fail(error) from None
    past = _read_past(history)
    try:
        fitted = fit_history(past, name=name, timezone=timezone, strengths=learned)
    except ValueError as error:
        raise _fail(error) from None
    scenario = fitted.scenario
    out.write_text(dump_scenario(scenario), encoding="utf-8")
    console.print(
        f"wrote {out}: {scenario.traffic.arrivals.rate_per_hour:g} tickets/hour, "
        f"{len(scenario.traffic.categories)} categories, "
        f"{len(scenario.agents)} agents"
    )
    show_quality(fitted.quality)


def show_quality(quality: FitQuality) -> None:
    """The fit's history length and each warning, on the terminal."""
    console.print(f"history: {quality.summary()}", markup=False)
    for warning in quality.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}")


def _read_past(path: Path) -> list[Past]:
    """The history to replay or fit; unreadable lines are skipped, shown and counted."""
    skipped: list[str] = []
    try:
        past = read_past(path, skipped.append)
    except OSError as error:
        raise _fail(f"{path}: cannot read: {error.strerror or error}") from None
    except ValueError as error:  # nothing readable: say why the lines were skipped
        report_skipped(err, skipped, 0)
        raise _fail(error) from None
    report_skipped(err, skipped, len(past))
    return past


def register(app: typer.Typer) -> None:
    """Add ``simulate``, ``tune``, ``staff`` and ``scenario`` to the root app."""
    app.command("simulate")(simulate_command)
    app.command("tune")(tune_command)
    app.command("staff")(staff_command)
    app.add_typer(scenario_app, name="scenario")

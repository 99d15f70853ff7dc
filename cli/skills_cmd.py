"""``deskroute skills learn``: agent strengths per category from a history export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.help_format import WrappingGroup
from cli.output_paths import file_or_exit
from cli.skipped import report_skipped
from connectors.history import read_history
from router.policies.strengths_file import AgentEstimate, StrengthsFile, dump_strengths
from simulation.reopens import DEFAULT_WINDOW_DAYS
from simulation.replay import Past, handle_minutes, read_past
from simulation.strengths import DEFAULT_REWORK, Options, learn

console = Console()
err = Console(stderr=True)
skills_app = typer.Typer(
    help="Learn agents' strengths from history.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=WrappingGroup,
)


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(2)


@skills_app.command("learn")
def learn_command(
    history: Path = typer.Argument(..., help="History export (.jsonl, docs/history-format.md)."),
    out: Path = typer.Option(..., "--out", help="Strengths file to write (JSON)."),
    prior_strength: float | None = typer.Option(
        None,
        "--prior-strength",
        min=0.001,
        help="Credibility k in tickets (default: estimated from the history).",
    ),
    window_days: float = typer.Option(
        DEFAULT_WINDOW_DAYS,
        "--window-days",
        min=0.001,
        help="A repeat contact within this many days after solving counts as a reopen "
        "(for tickets without a reopens count).",
    ),
    rework: float = typer.Option(
        DEFAULT_REWORK, "--rework", min=0.0, help="Extra work per reopen, in handle times."
    ),
    top: int = typer.Option(5, "--top", min=0, help="Strengths and weak spots to show."),
) -> None:
    """Learn agents' handle times, reopen rates and skill levels per category.

    Estimates are shrunk towards the agent's team and the category (a few tickets do not
    make an expert); levels 1–10 rank the expected time to resolve against the category's
    typical agent. Writes --out (JSON, docs/skills.md) and shows strengths and weak spots.
    """
    file_or_exit(out)
    past = _read(history)
    try:
        options = Options(prior_strength=prior_strength, window_days=window_days, rework=rework)
        strengths = learn(past, options, str(history))
    except ValueError as error:
        raise _fail(f"{history}: {error}") from None
    try:
        out.write_text(dump_strengths(strengths), encoding="utf-8")
    except OSError as error:
        raise _fail(f"{out}: cannot write: {error.strerror or error}") from None
    _summary(strengths, top)
    console.print(f"wrote {escape(str(out))}")


# --- reading ------------------------------------------------------------------------------


def _read(path: Path) -> list[Past]:
    """The history, sorted by arrival; unreadable lines are skipped, shown and counted."""
    skipped: list[str] = []
    try:
        if path.suffix.lower() == ".csv":
            past = read_past(path, skipped.append)
        else:
            past = sorted(_with_progress(path, skipped), key=lambda p: p.record.created_at)
    except OSError as error:
        raise _fail(f"{path}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise _fail(f"{path}: not a text file (UTF-8)") from None
    except ValueError as error:  # read_past: nothing readable
        report_skipped(err, skipped, 0)
        raise _fail(str(error)) from None
    report_skipped(err, skipped, len(past))
    if not past:
        raise _fail(f"{path}: no history records to learn from")
    return past


def _with_progress(path: Path, skipped: list[str]) -> Iterator[Past]:
    """History records as ``Past``, with a progress bar over the file's lines on a terminal."""
    with path.open("rb") as handle:
        lines = sum(1 for _ in handle)
    progress = Progress(
        TextColumn("reading history"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("read", total=lines)

        def skip(message: str) -> None:
            skipped.append(message)
            progress.advance(task)

        for record in read_history(path, skip):
            progress.advance(task)
            yield Past(record, handle_minutes(record))


# --- the summary --------------------------------------------------------------------------


class Pair(NamedTuple):
    """One agent's estimate in one category."""

    agent: str
    category: str
    estimate: AgentEstimate


def highlights(strengths: StrengthsFile, top: int) -> tuple[list[Pair], list[Pair]]:
    """The ``top`` strengths (shortest relative time to resolve, more evidence first on
    ties) and weak spots (longest), each leaving out pairs at the typical level."""
    pairs = [
        Pair(agent, category, estimate)
        for agent, found in strengths.agents.items()
        for category, estimate in found.categories.items()
        if estimate.level != strengths.method.typical_level
    ]
    best = sorted(pairs, key=lambda p: (p.estimate.relative, -p.estimate.tickets, p[:2]))
    worst = sorted(pairs, key=lambda p: (-p.estimate.relative, -p.estimate.tickets, p[:2]))
    best = [p for p in best if p.estimate.level > strengths.method.typical_level][:top]
    worst = [p for p in worst if p.estimate.level < strengths.method.typical_level][:top]
    return best, worst


def _summary(strengths: StrengthsFile, top: int) -> None:
    method = strengths.method
    pairs = sum(len(a.categories) for a in strengths.agents.values())
    console.print(
        f"learned {pairs} agent-category estimates for {len(strengths.agents)} agents in "
        f"{len(strengths.categories)} categories from {strengths.tickets} tickets"
    )
    reopens = method.reopens
    console.print(
        f"prior strength k: handle {method.handle_prior.k:g} ({method.handle_prior.chosen}), "
        f"reopen {method.reopen_prior.k:g} ({method.reopen_prior.chosen}); reopens: "
        f"{reopens.from_field} from the reopens count, {reopens.from_repeat_contact} by "
        f"repeat contact within {reopens.window_days:g} days, {reopens.unjudged} unknown"
    )
    best, worst = highlights(strengths, top)
    if top and not best and not worst:
        console.print("every agent is at the typical level: the history shows no strengths")
    for title, chosen in (("top strengths", best), ("weak spots", worst)):
        if chosen:
            console.print(_table(title, chosen, strengths))


def _table(title: str, pairs: list[Pair], strengths: StrengthsFile) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("agent", "category", "level", "tickets", "handle min", "reopen", "vs typical"):
        table.add_column(column, justify="left" if column in ("agent", "category") else "right")
    for agent, category, estimate in pairs:
        typical = strengths.categories[category]
        table.add_row(
            escape(agent),
            escape(category),
            str(estimate.level),
            str(estimate.tickets),
            f"{_minutes(estimate.handle_min)} ({_minutes(typical.handle_min)})",
            f"{estimate.reopen_rate:.1%} ({typical.reopen_rate:.1%})",
            f"{estimate.relative:.2f}×",
        )
    return table


def _minutes(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def register(app: typer.Typer) -> None:
    """Add ``skills`` to the root app."""
    app.add_typer(skills_app, name="skills")

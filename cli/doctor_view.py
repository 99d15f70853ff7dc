"""How ``deskroute doctor`` shows its findings: a Rich layout for people, a dict for ``--json``.

The layout is a few titled blocks of two-column grids, so it wraps cleanly at 80 columns
and reads the same without colour when piped; every mark is also a word.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from connectors.account import AccountReport, Feature
from connectors.diagnosis import DeskContext, Diagnosis

PRESENT = {True: ("yes", "green"), False: ("no", "yellow"), None: ("can't tell", "dim")}


def report_dict(report: AccountReport) -> dict[str, Any]:
    """The report as JSON-ready data, with ``routable`` spelled out."""
    data = asdict(report)
    data["notes"] = dict(report.notes)
    data["routable"] = report.routable
    return data


def failure_dict(diagnosis: Diagnosis, context: DeskContext | None) -> dict[str, Any]:
    """A failed check as JSON-ready data (same keys a script looks for first)."""
    return {
        "desk": context.desk if context else None,
        "base_url": context.base.url if context else None,
        "routable": False,
        "problem": diagnosis.problem,
        "diagnosis": diagnosis.paragraph,
    }


def render_report(console: Console, report: AccountReport) -> None:
    """Print the whole report: connection, capabilities, sources, fixes, verdict."""
    console.print(Text.assemble(("deskroute doctor", "bold"), f" — {report.desk}"))
    console.print(_grid(_connection_rows(report)))
    console.print(Text("\nWhat the account offers", style="bold"))
    console.print(_features(report.features))
    if report.sources is not None:
        console.print(Text("\nWhat deskroute will use", style="bold"))
        console.print(
            _grid(
                [
                    ("availability", report.sources.availability),
                    ("skills", report.sources.skills),
                    ("loads", report.sources.loads),
                ]
            )
        )
    if report.fixes:
        console.print(Text("\nWhat to fix", style="bold"))
        console.print(_fixes(report))
    console.print()
    if report.routable:
        console.print(Text("Routing can work with this configuration.", style="bold green"))
    else:
        console.print(
            Text(
                "Routing cannot work until the problems marked 'must fix' are fixed.",
                style="bold red",
            )
        )


def render_failure(console: Console, diagnosis: Diagnosis) -> None:
    """Print the one-paragraph diagnosis of a check that could not finish."""
    console.print(Text.assemble(("deskroute doctor: ", "bold"), (diagnosis.problem, "bold red")))
    console.print(Text(diagnosis.paragraph))


def _connection_rows(report: AccountReport) -> list[tuple[str, str]]:
    rows = [
        ("connected as", report.identity),
        ("base URL", report.notes.get("base URL", report.base_url)),
    ]
    announced = (
        f"{report.rate_limit}/min announced by the help desk"
        if report.rate_limit is not None
        else "not announced (no rate-limit headers)"
    )
    configured = report.notes.get("configured limit")
    rows.append(
        ("rate limit", f"{announced}; configured {configured}" if configured else announced)
    )
    rows += [
        (key, value)
        for key, value in report.notes.items()
        if key not in ("base URL", "configured limit", "role")
    ]
    return rows


def _grid(rows: list[tuple[str, str]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in rows:
        grid.add_row(f"  {key}", value)
    return grid


def _features(features: tuple[Feature, ...]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(style="bold", max_width=34, overflow="fold")
    grid.add_column(overflow="fold")
    for feature in features:
        word, style = PRESENT[feature.present]
        grid.add_row(Text(f"  {word}", style=style), feature.name, feature.detail)
    return grid


def _fixes(report: AccountReport) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for fix in sorted(report.fixes, key=lambda f: not f.blocking):
        mark = (
            Text("  must fix", style="bold red")
            if fix.blocking
            else Text("  advice", style="yellow")
        )
        grid.add_row(mark, fix.problem)
        grid.add_row("", Text(f"→ {fix.setting}", style="cyan"))
    return grid

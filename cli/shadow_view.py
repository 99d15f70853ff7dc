"""How ``deskroute shadow-report`` shows the report: titled blocks of small tables that
wrap at 80 columns and read the same without colour when piped."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sidecar.shadow_measures import (
    ELIGIBLE,
    KIND_WORDS,
    KINDS,
    NOT_CONSIDERED,
    OVER_CAPACITY,
    RULED_OUT,
    Agreement,
)
from sidecar.shadow_report import GoLiveReport, duration, share

HEADERS = {
    ELIGIBLE: "eligible", RULED_OUT: "ruled out", OVER_CAPACITY: "capacity",
    NOT_CONSIDERED: "unseen",
}  # fmt: skip
"""Short column names of the disagreement kinds (the blocks above spell them out)."""


def render_report(console: Console, report: GoLiveReport) -> None:
    """Print the whole report, ending with the recommendation."""
    window, overall = report.window, report.overall
    console.print(Text.assemble(
        ("deskroute shadow report", "bold"),
        f" — {window.since:%Y-%m-%d %H:%M} to {window.until:%Y-%m-%d %H:%M} UTC",
    ))  # fmt: skip
    console.print(
        f"{report.decided} tickets decided in dry run ({report.closed} closed since); "
        f"{overall.compared} assigned by a person; we agreed on {overall.agreed} "
        f"({share(overall.rate)})."
    )
    console.print(Text("\nWhy ours differs", style="bold"))
    console.print(_disagreements(overall, report.we_waited))
    for title, rows in (("By group", report.by_group), ("By rule", report.by_rule)):
        if rows:
            console.print(Text(f"\n{title}", style="bold"))
            console.print(_breakdown(rows))
    console.print(Text("\nTime to assign and load spread", style="bold"))
    console.print(_sides(report))
    verdict = report.recommendation
    console.print()
    console.print(Text(verdict.text, style="bold green" if verdict.ready else "bold yellow"))


def _disagreements(overall: Agreement, we_waited: int) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
    for kind in KINDS:
        table.add_row(str(overall.kinds.get(kind, 0)), KIND_WORDS[kind])
    for name, count in overall.filters.items():
        table.add_row("", f"{count} ruled out by {name}")
    table.add_row(str(we_waited), "we would have left waiting (a person assigned them)")
    return table


def _breakdown(rows: dict[str, Agreement]) -> Table:
    headers = (HEADERS[kind] for kind in KINDS)
    table = Table("", "compared", "agreed", *headers, box=None, padding=(0, 2, 0, 0))
    for name, counted in rows.items():
        table.add_row(
            name, str(counted.compared), share(counted.rate),
            *(str(counted.kinds.get(kind, 0)) for kind in KINDS),
        )  # fmt: skip
    return table


def _sides(report: GoLiveReport) -> Table:
    table = Table("", "ours", "people's", box=None, padding=(0, 2, 0, 0))
    ours, theirs = report.ours_time, report.theirs_time
    table.add_row("time to assign, median", duration(ours.p50_s), duration(theirs.p50_s))
    table.add_row("time to assign, 90%", duration(ours.p90_s), duration(theirs.p90_s))
    mine, people = report.ours_spread, report.theirs_spread
    table.add_row("picks per agent, max/mean", _ratio(mine.max_over_mean),
                  _ratio(people.max_over_mean))  # fmt: skip
    table.add_row("picks per agent, Gini", f"{mine.gini:.2f}", f"{people.gini:.2f}")
    return table


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"

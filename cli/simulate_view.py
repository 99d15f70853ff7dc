"""How ``deskroute simulate`` shows a comparison in the terminal: one Rich table per section
(service shares, times, team, each share per priority), each ending with a footer that
defines every column it shows (from ``simulation.glossary``).
"""

from __future__ import annotations

from rich.table import Table

from simulation.compare import Comparison
from simulation.report import Section, fmt, signed

Row = tuple[str, list[str], str | None]
"""A table row: the policy (or Δ), its cells, its style."""


def comparison_table(
    comparison: Comparison, section: Section, scenario: str, terminal_width: int
) -> Table:
    """One section as a table; its footer defines every column shown."""
    first = comparison.policies[0] if comparison.policies else ""
    footer = [f"Δ rows: paired difference against {first} (same random numbers)."]
    footer += [f"{c.label}: {c.definition}." for c in section.columns]
    table = Table(
        title=f"{scenario}: {section.title} ({_replications(comparison)} replications, 95% CI)",
        caption="\n".join(footer),
        caption_justify="left",
    )
    rows = _rows(comparison, section)
    # policy names are what the reader compares: folded when narrow, never cut short;
    # values keep their width, and headers fold at spaces when the terminal is narrow
    table.add_column("policy", style="bold", overflow="fold")
    for column, width in zip(section.columns, _widths(section, rows, terminal_width), strict=True):
        table.add_column(column.label, justify="right", width=width)
    for name, cells, style in rows:
        table.add_row(name, *cells, style=style)
    return table


def _widths(section: Section, rows: list[Row], terminal_width: int) -> list[int]:
    """Each value column's width: whole headers if the table then fits the terminal, else
    headers folded at spaces; never narrower than a value."""
    values = [
        max(len(line) for _, cells, _ in rows for line in cells[index].splitlines())
        for index in range(len(section.columns))
    ]
    whole = [max(v, len(c.label)) for v, c in zip(values, section.columns, strict=True)]
    folded = [
        max(v, *(len(word) for word in c.label.split()))
        for v, c in zip(values, section.columns, strict=True)
    ]
    policy = max((len(name) for name, _, _ in rows), default=6)
    overhead = 3 * (len(section.columns) + 1) + 1  # padding and borders
    return whole if sum(whole) + min(policy, 20) + overhead <= terminal_width else folded


def _rows(comparison: Comparison, section: Section) -> list[Row]:
    """(name, cells, style) of each policy's row and, below it, its paired difference."""
    rows: list[Row] = []
    for policy in comparison.policies:
        values = comparison.intervals[policy]
        rows.append((policy, [_cell(fmt(values[c.key], c.kind)) for c in section.columns], None))
        if policy in comparison.differences:
            diff = comparison.differences[policy]
            cells = [_cell(signed(fmt(diff[c.key], c.kind))) for c in section.columns]
            rows.append(("  Δ", cells, "dim"))
    return rows


def _cell(text: str) -> str:
    """A value over its ± half-width, the same in every column whatever the width."""
    return text.replace(" ±", "\n±")


def _replications(comparison: Comparison) -> int:
    return max((r.replication for r in comparison.runs), default=0) + 1

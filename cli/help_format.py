"""Help that reads at any width and when piped: plain text, wrapped, never cut.

Every command group of the app uses ``WrappingGroup`` with Typer's rich help off
(``rich_markup_mode=None``): the options then wrap under their names instead of being
squeezed into a narrow column and cut (``--tickets-per-mi…``), and each command is listed
with its whole summary, wrapped, where click would cut it to fit one line (``...``).
"""

from __future__ import annotations

import inspect
from typing import Any

import typer.core


def summary(command: Any) -> str:
    """A command's summary: its short help, else the first paragraph of its help."""
    if command.short_help:
        return str(command.short_help)
    first = inspect.cleandoc(command.help or "").split("\n\n")[0]
    return " ".join(first.split())


class WrappingGroup(typer.core.TyperGroup):
    """A command group whose listing wraps each command's whole summary."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List the commands with their summaries, wrapped to the formatter's width."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, summary(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

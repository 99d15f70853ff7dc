"""Input lines a command skipped: the first few shown with the reason, then the count."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

SHOW_SKIPPED = 5


def report_skipped(console: Console, skipped: list[str], read: int) -> None:
    """Show up to ``SHOW_SKIPPED`` of the ``skipped`` messages and how many were skipped
    against the ``read`` that were kept (nothing when none was skipped)."""
    for message in skipped[:SHOW_SKIPPED]:
        console.print(f"[yellow]skipped[/] {escape(message)}")
    if skipped:
        console.print(f"[yellow]{len(skipped)} unreadable lines skipped[/], {read} read")

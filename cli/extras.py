"""Commands that need an optional install (``deskroute[sim]``, ``deskroute[train]``).

The sidecar image installs neither: it runs the router, not the simulator or the trainer.
Without the extra, each of its commands is still listed and says what to install, exit 2.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

import typer
from rich.console import Console
from rich.markup import escape

err = Console(stderr=True)
MISSING_EXTRA = 2


@dataclass(frozen=True, slots=True)
class OptionalGroup:
    """Command modules that need one extra: the packages it brings and the commands."""

    extra: str
    needs: tuple[str, ...]
    """Top-level packages the extra installs."""
    modules: tuple[str, ...]
    """Command modules, each with ``register(app)``."""
    commands: tuple[str, ...]
    """The commands and command groups those modules add (for the stand-ins)."""


OPTIONAL = (
    OptionalGroup(
        "sim",
        ("simpy", "scipy", "matplotlib", "optuna"),
        ("cli.simulate_cmd", "cli.skills_cmd", "cli.recommend_cmd", "cli.whatif_cmd"),
        ("simulate", "tune", "staff", "recommend", "scenario", "skills", "whatif"),
    ),
    OptionalGroup(
        "train",
        ("sklearn", "scipy", "matplotlib"),
        ("cli.train_cmd", "cli.evaluate_cmd"),
        ("train", "evaluate"),
    ),
)


def installed(package: str) -> bool:
    """Whether ``package`` can be imported (found without importing it)."""
    try:
        return importlib.util.find_spec(package) is not None
    except (ImportError, ValueError):
        return False


def register_optional(app: typer.Typer, group: OptionalGroup) -> None:
    """Add ``group``'s commands, or stand-ins naming the extra when it is not installed."""
    missing = [package for package in group.needs if not installed(package)]
    if missing:
        _stand_ins(app, group, missing)
        return
    for name in group.modules:
        importlib.import_module(name).register(app)


def _stand_ins(app: typer.Typer, group: OptionalGroup, missing: list[str]) -> None:
    install = escape(f"pip install -c constraints.txt 'deskroute[{group.extra}]'")

    def unavailable() -> None:
        err.print(
            f"[bold red]this command needs the {group.extra} extra[/] "
            f"({', '.join(missing)} not installed): {install}"
        )
        raise typer.Exit(MISSING_EXTRA)

    for name in group.commands:
        app.command(
            name,
            help=f"(not installed: {install})",
            add_help_option=False,
            context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        )(unavailable)

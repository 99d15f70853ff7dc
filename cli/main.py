"""The ``deskroute`` entry point: builds the Typer app from the command modules."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from cli import (
    config_cmd,
    demo_cmd,
    doctor_cmd,
    export_cmd,
    route_cmd,
    run_cmd,
    sandbox_cmd,
    shadow_cmd,
)
from cli.extras import OPTIONAL, register_optional
from cli.help_format import WrappingGroup
from config.settings import ConfigError, Settings, load_settings

app = typer.Typer(
    name="deskroute",
    help="Ticket routing that explains itself, with a simulator to try changes first.",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: wraps at any width, never cuts (help_format)
    cls=WrappingGroup,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)

CONFIG_EXIT = 2


def settings_or_exit() -> Settings:
    """Load settings; on a bad variable print each problem and exit with code 2."""
    try:
        return load_settings()
    except ConfigError as error:
        err.print("[bold red]invalid configuration[/]")
        for name, reason in error.problems:
            err.print(f"  [bold]{name}[/]: {reason}")
        raise typer.Exit(CONFIG_EXIT) from None


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Check the environment once, before any command runs."""
    ctx.obj = settings_or_exit()


app.add_typer(config_cmd.app, name="config")
route_cmd.register(app)
export_cmd.register(app)
doctor_cmd.register(app)
sandbox_cmd.register(app)
run_cmd.register(app)
demo_cmd.register(app)
shadow_cmd.register(app)
for group in OPTIONAL:  # the simulator's and the trainer's commands, when installed
    register_optional(app, group)


def main() -> None:
    """Console-script entry point."""
    sys.exit(app())

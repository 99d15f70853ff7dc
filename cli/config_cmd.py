"""``deskroute config``: check the effective configuration, regenerate its reference."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.help_format import WrappingGroup
from config.policy_file import PolicyFileError, load_policy
from config.reference import effective, render
from config.roster_check import unknown_names
from config.settings import ConfigError, Settings
from connectors.errors import ConnectorError
from connectors.factory import base_url_of, build_connector
from connectors.shop import build_shop

app = typer.Typer(
    help="Inspect deskroute's configuration.",
    no_args_is_help=True,
    rich_markup_mode=None,
    cls=WrappingGroup,
)

REFERENCE = Path("docs/configuration.md")
VALUE_ROOM = 24
"""Columns a value needs beside the longest name before values go under their names."""


@app.command("check")
def check(
    ctx: typer.Context,
    probe: bool = typer.Option(
        False, "--probe", help="Also talk to the help desk, as `deskroute doctor` does."
    ),
) -> None:
    """Print the effective configuration (secrets masked); check credentials and policy file.

    Exits with code 2 when the configured help desk lacks a required variable (no request is
    sent) or the policy file is rejected. With --probe it then runs `deskroute doctor`
    (exit 2 when routing cannot work).
    """
    settings: Settings = ctx.obj
    console = Console()
    _print_settings(console, effective(settings))
    try:
        build_connector(settings)  # builds the client only: this is where credentials are read
    except ConfigError as error:
        errors = Console(stderr=True)
        errors.print(
            f"[bold red]incomplete configuration for DESKROUTE_HELPDESK={settings.helpdesk}[/]"
        )
        for name, reason in error.problems:
            errors.print(f"  [bold]{name}[/]: {reason}")
        raise typer.Exit(2) from None
    try:
        build_shop(settings.shop)  # the shop's address and token (no request is sent)
    except ConfigError as error:
        errors = Console(stderr=True)
        errors.print(
            f"[bold red]incomplete configuration for DESKROUTE_SHOP__KIND={settings.shop.kind}[/]"
        )
        for name, reason in error.problems:
            errors.print(f"  [bold]{name}[/]: {reason}")
        raise typer.Exit(2) from None
    base = base_url_of(settings)
    if base is not None and base.changed:
        console.print(Text.assemble((base.variable, "bold"), f": {base.note()}"))
    if settings.policy_file is not None:
        try:
            policy = load_policy(settings.policy_file)
        except PolicyFileError as error:
            Console(stderr=True).print(f"[bold red]policy file rejected[/]\n{error}")
            raise typer.Exit(2) from None
        console.print(
            f"policy file OK: policy [bold]{policy.policy.name}[/], {len(policy.rules)} rules"
        )
    console.print("[green]configuration OK[/]")
    if probe:
        from cli.doctor_cmd import run_doctor  # the doctor imports every connector

        console.print()
        code = run_doctor(settings, console=console)
        if code == 0 and settings.policy_file is not None:
            code = _check_names(settings, console)
        raise typer.Exit(code)


def _print_settings(console: Console, rows: list[tuple[str, str]]) -> None:
    """Every variable with its value, names whole at any width: a table when the names
    leave room for values (a long value folds under itself), else each value under its
    name."""
    longest = max(len(name) for name, _ in rows)
    if console.width < longest + VALUE_ROOM:
        console.print("deskroute configuration", style="bold")
        for name, value in rows:
            console.print(Text(name, style="bold"), overflow="fold")
            console.print(Text(f"    {value}"), overflow="fold")
        return
    table = Table(title="deskroute configuration", box=box.SIMPLE_HEAD)
    table.add_column("variable", style="bold", no_wrap=True, min_width=longest)
    table.add_column("value", overflow="fold")
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)


def _check_names(settings: Settings, console: Console) -> int:
    """The policy file's skills, groups and escalation targets against the live roster
    (``config.roster_check``): 2 when a rule names something no agent has."""
    assert settings.policy_file is not None
    try:
        agents = build_connector(settings).roster().agents
    except ConnectorError as error:
        Console(stderr=True).print(f"[bold red]cannot read the roster[/]: {error}")
        return 2
    problems = unknown_names(load_policy(settings.policy_file), agents)
    if not problems:
        console.print(f"policy names OK: every skill and group its rules use is on the roster "
                      f"({len(agents)} agents)")  # fmt: skip
        return 0
    errors = Console(stderr=True)
    errors.print(
        "[bold red]the policy file names what no agent has[/] (matching tickets would wait)"
    )
    for problem in problems:
        errors.print(f"  {problem.message()}")
    return 2


@app.command("docs")
def docs(
    write: bool = typer.Option(False, "--write", help=f"Write {REFERENCE} instead of printing."),
) -> None:
    """Print (or write) the reference table of every environment variable."""
    text = render()
    if write:
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {REFERENCE}")
    else:
        typer.echo(text, nl=False)

"""The reference table of every environment variable, generated from the settings model."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic_core import PydanticUndefined

from config.settings import Settings, env_name, walk_fields, without_password

HEADER = """# Configuration

deskroute is configured only by environment variables with the `DESKROUTE_` prefix; nested
sections use a double underscore (`DESKROUTE_HTTP__PORT`). An empty variable (`VAR=`, as
compose's `${VAR:-}` gives) counts as unset. Run `deskroute config check` to print the
effective configuration and to check that the configured help desk has the credentials it
needs; no request is sent (`config check --probe`, like `deskroute doctor`, then talks to
the help desk, and checks that every skill, group and escalation target the policy file's
rules name is on the roster). An invalid or missing variable makes every command exit with
code 2 and a message naming the variable and the reason, never a traceback.

Secrets (the `SecretStr` rows below) are never shown: `config check` prints `********`,
the password in `DESKROUTE_DATABASE_URL` is masked, and an invalid secret or database URL
is reported without its value. A secret must be non-empty and free of whitespace (a pasted
line break would never match). The test suite keeps it that way: every test's captured
stdout, stderr and log records, and the output of the commands it runs, are scanned for
the suite's test secrets (`tests/leak_guard.py`), and a test that shows one fails.

This file is generated from the settings model by `deskroute config docs --write`; a test
fails when it is stale.

| variable | type | default | description |
|---|---|---|---|
"""


def _type_name(annotation: Any) -> str:
    text = str(annotation).replace("typing.", "").replace("pathlib.", "")
    text = text.replace("pydantic.types.", "").replace("<class '", "").replace("'>", "")
    return text.replace("|", "\\|")


def _default(info: Any) -> str:
    default = info.default
    if default is PydanticUndefined or default is None:
        return ""
    if isinstance(default, SecretStr):
        return "(secret)"
    return f"`{default}`"


def render() -> str:
    """The Markdown of ``docs/configuration.md``."""
    rows = []
    for env, model, _ in walk_fields():
        field = env.removeprefix(env_name(()))
        name = field.split("__")[-1].lower()
        info = model.model_fields[name]
        rows.append(
            f"| `{env}` | {_type_name(info.annotation)} | {_default(info)} | "
            f"{info.description or ''} |"
        )
    return HEADER + "\n".join(rows) + "\n"


def effective(settings: Settings) -> list[tuple[str, str]]:
    """``(variable, value)`` for every setting, secrets masked, in declaration order.

    The database URL and the help desks' base URLs are shown with any password masked.
    """
    values: list[tuple[str, str]] = []
    for env, _, secret in walk_fields():
        path = env.removeprefix(env_name(())).lower().split("__")
        value: Any = settings
        for part in path:
            value = getattr(value, part)
        if secret:
            shown = "(unset)" if value is None or value == () else "********"
        elif env == "DESKROUTE_DATABASE_URL" or env.endswith("__BASE_URL"):
            shown = without_password(str(value))
        elif isinstance(value, BaseModel):
            shown = value.model_dump_json()
        else:
            shown = "(unset)" if value is None else str(value)
        values.append((env, shown))
    return values

"""Readers for the agents (YAML) and tickets (JSON lines) files the CLI routes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from config.yaml_files import read_yaml
from router.model import Agent, Ticket


class InputError(ValueError):
    """An input file cannot be used at all (missing, unreadable, wrong shape)."""


@dataclass(frozen=True)
class BadLine:
    """A ticket line that could not be read; the batch goes on without it."""

    line: int
    error: str


@dataclass(frozen=True)
class AgentsFile:
    """Agents plus their current load (capacity units) and recent assignments."""

    agents: list[Agent]
    loads: dict[str, float]


def describe(error: ValidationError) -> str:
    """A compact one-line summary of a pydantic validation error."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where}: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


def load_agents(path: Path) -> AgentsFile:
    """Read ``agents:`` (a list of agents, each with an optional ``load``) from YAML."""
    data = read_yaml(path, InputError)
    entries = data.get("agents") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise InputError(f"{path}: expected a list of agents under 'agents:'")
    agents, loads = [], {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise InputError(f"{path}: agent #{number} is not a mapping")
        fields: dict[str, Any] = dict(entry)
        load = fields.pop("load", 0)
        try:
            agent = Agent.model_validate(fields)
        except ValidationError as error:
            label = entry.get("id", f"#{number}")
            raise InputError(f"{path}: agent {label}: {describe(error)}") from None
        agents.append(agent)
        loads[agent.id] = float(load)
    return AgentsFile(agents=agents, loads=loads)


def read_tickets(path: Path) -> Iterator[Ticket | BadLine]:
    """Yield each ticket of a JSON-lines file, or a ``BadLine`` for a line that fails."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield Ticket.model_validate(json.loads(line))
            except json.JSONDecodeError as error:
                yield BadLine(number, f"not valid JSON: {error.msg}")
            except ValidationError as error:
                yield BadLine(number, describe(error))

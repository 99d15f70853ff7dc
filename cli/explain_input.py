"""What ``deskroute explain`` reads: decision records from any of the shapes deskroute writes.

- JSON lines from ``deskroute route`` (one decision per line; a line that is not JSON is
  skipped and named);
- the document the sidecar serves at ``GET /decisions/{ticket}`` (its ``decisions``), as
  curl prints it on one line or as ``jq`` pretty-prints it over many;
- one decision, or a JSON list of them.

A record is a decision when it carries a ``trace``; anything else is left out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DecisionInput:
    """The decisions found in one input, and the lines that were not JSON."""

    records: list[dict[str, Any]] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)


def read_decisions(text: str) -> DecisionInput:
    """The decision records in ``text`` (see the module's description)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        return _json_lines(text)
    return DecisionInput(records=_decisions_in(document))


def _decisions_in(document: Any) -> list[dict[str, Any]]:
    """The decisions of one JSON document: a served history, a list or one decision."""
    if isinstance(document, dict) and isinstance(document.get("decisions"), list):
        items: list[Any] = document["decisions"]
        ticket = document.get("ticket")
        return [
            {"ticket": ticket, **item} if "ticket" not in item else item
            for item in items
            if _is_decision(item)
        ]
    if isinstance(document, list):
        return [item for item in document if _is_decision(item)]
    return [document] if _is_decision(document) else []


def _json_lines(text: str) -> DecisionInput:
    records: list[dict[str, Any]] = []
    skipped: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            skipped.append(number)
            continue
        if _is_decision(record):
            records.append(record)
    return DecisionInput(records, skipped)


def _is_decision(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("trace"), dict)

"""Structured fields on a log line: ``log.info("...", extra=fields(ticket="15"))``.

The JSON format (``DESKROUTE_LOG_FORMAT=json``, cli/logs.py) writes them as keys of the
line's object; the text format appends them as ``key=value``.
"""

from __future__ import annotations

from typing import Any

FIELDS = "fields"
"""The record attribute that carries structured fields (``extra={"fields": {...}}``)."""


def fields(**values: Any) -> dict[str, dict[str, Any]]:
    """Structured fields for one log line: ``extra=fields(ticket=..., agent=...)``."""
    return {FIELDS: values}

"""How the sidecar logs: text for people or JSON lines for a log pipeline, and whose lines.

``DESKROUTE_LOG_FORMAT=json`` writes one JSON object per line (``time``, ``level``,
``logger``, ``message``, any structured ``fields`` of the record, ``exception``). A record
carries fields as ``log.info("...", extra=fields(ticket="15", agent="ana"))``; the text
format appends them as ``key=value``. ``DESKROUTE_LOG_LEVEL`` applies to deskroute's own
loggers; other libraries' chatter (HTTP clients, the scheduler, the web server, the database
driver) is kept at ``DESKROUTE_LOG_LIBRARIES_LEVEL`` (WARNING unless asked).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

from rich.console import Console
from rich.logging import RichHandler

from sidecar.log_fields import FIELDS

LogFormat = Literal["text", "json"]
OWN_LOGGERS = ("deskroute", "cli", "config", "connectors", "router", "sandbox", "sidecar",
               "simulation")  # fmt: skip
"""The top-level names of deskroute's loggers (``logging.getLogger(__name__)`` or
``deskroute.*``)."""


class JsonLines(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, FIELDS, None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextLines(logging.Formatter):
    """``time level logger: message key=value ...``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = getattr(record, FIELDS, None)
        if not extra:
            return text
        head, _, rest = text.partition("\n")  # a traceback stays below the line
        pairs = " ".join(f"{key}={value}" for key, value in extra.items() if value is not None)
        return f"{head} {pairs}" + (f"\n{rest}" if rest else "")


def setup_logging(
    level: str,
    log_format: LogFormat = "text",
    libraries: str = "WARNING",
    console: Console | None = None,
) -> None:
    """Send log lines to stderr: Rich on a terminal for text, plain lines otherwise."""
    handler: logging.Handler
    if log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonLines())
    elif console is not None and console.is_terminal:
        handler = RichHandler(console=console, show_path=False)
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(TextLines())
    logging.basicConfig(level=libraries, handlers=[handler], force=True)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(level)
    # a kicked job that is already running is skipped by design: not worth a warning
    asked: int = logging.getLevelName(libraries)
    logging.getLogger("apscheduler").setLevel(asked if asked < logging.WARNING else logging.ERROR)

"""Log lines: JSON for a pipeline, text for people, deskroute's own level apart from libraries'."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from cli.logs import setup_logging
from sidecar.log_fields import fields


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in ("sidecar", "urllib3", "apscheduler"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_json_format_writes_one_object_per_line_with_the_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup_logging("INFO", "json")
    log = logging.getLogger("sidecar.pipeline")
    log.info("assigned ticket %s", "15", extra=fields(ticket="15", agent="ana", cause="new"))
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("write failed")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert lines[0]["message"] == "assigned ticket 15"
    assert (lines[0]["ticket"], lines[0]["agent"], lines[0]["cause"]) == ("15", "ana", "new")
    assert lines[0]["level"] == "INFO" and lines[0]["logger"] == "sidecar.pipeline"
    assert lines[0]["time"].endswith("+00:00")
    assert lines[1]["level"] == "ERROR" and "ValueError: boom" in lines[1]["exception"]


def test_text_format_appends_the_fields_as_pairs(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "text")
    logging.getLogger("sidecar.pipeline").info("moved", extra=fields(ticket="15", agent=None))
    line = capsys.readouterr().err.strip()
    assert line.endswith("INFO sidecar.pipeline: moved ticket=15")


def test_libraries_stay_at_warning_unless_asked(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("DEBUG", "json")
    logging.getLogger("urllib3.connectionpool").info("Starting new HTTPS connection")
    logging.getLogger("sidecar.writer").debug("flushing")
    assert [json.loads(line)["logger"] for line in capsys.readouterr().err.splitlines()] == [
        "sidecar.writer"
    ]
    setup_logging("INFO", "json", libraries="INFO")
    logging.getLogger("urllib3.connectionpool").info("Starting new HTTPS connection")
    assert "urllib3" in capsys.readouterr().err


def test_a_skipped_scheduler_run_is_not_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", "text")
    logging.getLogger("apscheduler.scheduler").warning("maximum number of running instances")
    assert capsys.readouterr().err == ""

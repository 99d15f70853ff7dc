"""A suite-wide guard: no test's captured output may show a secret from ``tests.secret_values``.

pytest captures each test's stdout, stderr and log records into report sections; output
that pytest does not see (a ``CliRunner`` result, a subprocess's log file) is handed to
``observe``. After each phase the hook below scans all of it and turns the phase into a
failure naming the secret (never printing it) and where it showed.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from pathlib import Path

import pytest

from tests.secret_values import SECRETS

_observed: list[tuple[str, str]] = []


def observe(where: str, text: str | bytes | Path) -> None:
    """Have the guard scan output the test got outside pytest's capture (text, bytes or a file)."""
    if isinstance(text, Path):
        text = text.read_bytes() if text.exists() else b""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    _observed.append((where, text))


def leaks(
    sections: Iterable[tuple[str, str]], secrets: Mapping[str, str] = SECRETS
) -> list[tuple[str, str]]:
    """``(secret's name, section title)`` for every secret value found in a section."""
    return [
        (name, title)
        for title, text in sections
        for name, value in secrets.items()
        if value in text
    ]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    """Fail the phase whose output (or observed output) shows a secret value."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()  # type: ignore[attr-defined]
    sections = [(title, text) for title, text in report.sections if call.when in title]
    if call.when != "setup":  # output observed in setup is scanned with the test's own
        sections += [(f"observed: {where}", text) for where, text in _observed]
        _observed.clear()
    found = leaks(sections)
    if not found:
        return
    message = "secret value leaked into test output: " + "; ".join(
        f"{name} in {title!r}" for name, title in found
    )
    if report.failed:  # keep the test's own failure and say this as well
        report.sections.append(("secret leak", message))
    else:
        report.outcome = "failed"
        report.longrepr = message

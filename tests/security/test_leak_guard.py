"""The leak guard itself: a secret in any captured output fails the test, by name only."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.leak_guard import leaks
from tests.secret_values import ADMIN_TOKEN, SECRETS

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

INNER_CONFTEST = """
from tests.leak_guard import pytest_runtest_makereport
"""

INNER_TESTS = """
import logging
import sys

from tests.leak_guard import observe
from tests.secret_values import ADMIN_TOKEN, ZENDESK_WEBHOOK_SECRET


def test_prints_a_secret():
    print("token is", ADMIN_TOKEN)


def test_logs_a_secret():
    logging.getLogger("deskroute.test").warning("secret %s", ZENDESK_WEBHOOK_SECRET)


def test_writes_a_secret_to_stderr_in_teardown(request):
    request.addfinalizer(lambda: sys.stderr.write(ADMIN_TOKEN))


def test_a_subprocess_log_shows_a_secret(tmp_path):
    log = tmp_path / "replica.log"
    log.write_text("started with " + ZENDESK_WEBHOOK_SECRET)
    observe("replica.log", log)


def test_prints_a_masked_secret():
    print("token is", "*" * len(ADMIN_TOKEN))


def test_fails_and_leaks():
    print(ADMIN_TOKEN)
    assert False, "its own failure"
"""


def test_the_guard_fails_every_leak_and_names_the_secret(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)
    # a separate process: the inner tests' log records must not reach this test's capture
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--show-capture=no", "--tb=line", "-rfE"
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 4, outcomes
    assert outcomes.get("errors") == 1, outcomes  # the teardown leak fails that phase
    assert outcomes.get("passed") == 2, outcomes  # the masked one, and the teardown one's call
    text = result.stdout.str()
    for phrase in ("ADMIN_TOKEN in 'Captured stdout call'",
                   "ZENDESK_WEBHOOK_SECRET in 'Captured log call'",
                   "ADMIN_TOKEN in 'Captured stderr teardown'",
                   "ZENDESK_WEBHOOK_SECRET in 'observed: replica.log'"):  # fmt: skip
        assert phrase in text, text
    assert not leaks([("inner run", text)]), "the guard's report must not repeat the value"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param(f"Authorization: Bearer {ADMIN_TOKEN}", ["ADMIN_TOKEN"], id="whole"),
        pytest.param("Authorization: Bearer ********", [], id="masked"),
        pytest.param(ADMIN_TOKEN[:-1], [], id="a-prefix-is-not-the-value"),
    ],
)
def test_leaks_finds_whole_values_only(text: str, found: list[str]) -> None:
    assert [name for name, _ in leaks([("out", text)])] == found


def test_the_secret_values_are_distinct_and_distinctive() -> None:
    values = list(SECRETS.values())
    assert len(set(values)) == len(values) >= 8
    assert all(len(value) >= 20 for value in values)

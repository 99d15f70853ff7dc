"""``deskroute export`` when it cannot finish: the message names the address and the fix,
the exit code says whose problem it is, and no partial or half-written file is left."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import responses
from typer.testing import CliRunner

from cli.main import app
from connectors.factory import SANDBOX_URL
from sandbox import SandboxHandle, start_sandbox
from tests.secret_values import ZENDESK_API_TOKEN

API = r"/api/v2/[\w/.]+"
"""Whichever read comes first (groups, then the export), named by its full path."""
QUICK = {"DESKROUTE_ZENDESK__RETRY_ATTEMPTS": "1", "DESKROUTE_FRESHDESK__RETRY_ATTEMPTS": "1"}


@pytest.fixture(scope="module")
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(agents=2, tickets=2) as handle:
        yield handle


def zendesk_env(base: str, token: str) -> dict[str, str]:
    return {
        "DESKROUTE_HELPDESK": "zendesk",
        "DESKROUTE_ZENDESK__BASE_URL": base,
        "DESKROUTE_ZENDESK__EMAIL": "admin@sandbox.invalid",
        "DESKROUTE_ZENDESK__API_TOKEN": token,
        **QUICK,
    }


def export(tmp_path: Path, env: dict[str, str]) -> tuple[int, str, Path]:
    out = tmp_path / "history.jsonl"
    out.write_text("an earlier export\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["export", "--since", "2024-01-01", "--out", str(out)], env={"COLUMNS": "300", **env}
    )
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exc_info
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split()), out


def assert_nothing_written(out: Path) -> None:
    assert out.read_text(encoding="utf-8") == "an earlier export\n"
    assert not out.with_name(out.name + ".partial").exists()


def test_a_wrong_prefix_is_a_configuration_problem_naming_the_url(
    desk: SandboxHandle, tmp_path: Path
) -> None:
    code, text, out = export(tmp_path, zendesk_env(f"{desk.url}/zendsk", desk.api_token))
    assert code == 2
    assert re.search(f"GET {desk.url}/zendsk{API}: HTTP 404", text) and "wrong base URL" in text
    assert_nothing_written(out)


def test_the_sandbox_banner_address_is_accepted(desk: SandboxHandle, tmp_path: Path) -> None:
    code, text, out = export(tmp_path, zendesk_env(f"{desk.zendesk_url}/api/v2", desk.api_token))
    assert code == 0, text
    assert not out.with_name(out.name + ".partial").exists()


def test_a_wrong_token_is_a_configuration_problem(desk: SandboxHandle, tmp_path: Path) -> None:
    code, text, out = export(tmp_path, zendesk_env(desk.zendesk_url, ZENDESK_API_TOKEN))
    assert code == 2
    assert re.search(f"GET {desk.zendesk_url}{API}: HTTP 401", text)
    assert "DESKROUTE_ZENDESK__API_TOKEN" in text
    assert_nothing_written(out)


def test_a_failing_help_desk_exits_1_and_leaves_nothing(tmp_path: Path) -> None:
    with start_sandbox(agents=2, tickets=2) as broken:
        broken.set_faults(error_rate=1.0)
        code, text, out = export(tmp_path, zendesk_env(broken.zendesk_url, broken.api_token))
    assert code == 1
    assert re.search(f"GET {broken.zendesk_url}{API}: HTTP 503", text)
    assert_nothing_written(out)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def test_an_unreachable_host_is_a_configuration_problem(closed_port: int, tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port}/zendesk"
    code, text, out = export(tmp_path, zendesk_env(base, ZENDESK_API_TOKEN))
    assert code == 2
    assert re.search(f"GET {base}{API}: connection failed \\(connection refused", text)
    assert "DESKROUTE_ZENDESK__BASE_URL" in text
    assert_nothing_written(out)


def sandbox_port_is_free() -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", 8765)) != 0


def test_the_embedded_default_suggests_starting_the_sandbox(tmp_path: Path) -> None:
    if not sandbox_port_is_free():
        pytest.skip("something listens on the sandbox's default port 8765")
    code, text, out = export(tmp_path, {"DESKROUTE_HELPDESK": "sandbox", **QUICK})
    assert code == 2
    assert (
        f"nothing answers at {SANDBOX_URL} — start `deskroute sandbox`, or set "
        "DESKROUTE_HELPDESK and its credentials" in text
    )
    assert re.search(f"GET {SANDBOX_URL}/zendesk{API}: connection failed", text)
    assert_nothing_written(out)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param("text/html", "<!doctype html><title>Sign in</title>", id="login-page"),
        pytest.param("text/plain", "it works", id="plain-text"),
    ],
)
def test_an_address_that_is_not_the_api_is_named(
    tmp_path: Path, content_type: str, body: str
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        http.get(
            re.compile(r"https://intranet\.acme\.test/.*"), body=body, content_type=content_type
        )
        code, text, out = export(
            tmp_path, zendesk_env("https://intranet.acme.test", ZENDESK_API_TOKEN)
        )
    assert code == 2 and "wrong base URL" in text
    assert_nothing_written(out)

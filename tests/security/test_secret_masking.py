"""Secrets are never shown: not by `config check`, not in a bad-variable error, not when a
help desk refuses them, and an empty variable never becomes an empty (open) secret."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from config.settings import ConfigError, load_settings
from sandbox import SandboxHandle, start_sandbox
from sidecar.http import AppContext, create_app
from sidecar.metrics import Metrics
from sidecar.store import Store
from tests.leak_guard import leaks, observe
from tests.secret_values import (
    ADMIN_TOKEN,
    DATABASE_PASSWORD,
    FRESHDESK_API_KEY,
    FRESHDESK_PREVIOUS_WEBHOOK_SECRET,
    FRESHDESK_WEBHOOK_SECRET,
    RT_TOKEN,
    SECRETS,
    ZENDESK_API_TOKEN,
    ZENDESK_OAUTH_TOKEN,
    ZENDESK_PREVIOUS_WEBHOOK_SECRET,
    ZENDESK_WEBHOOK_SECRET,
)
from tests.sidecar.fakes import FakeClock

EVERY_SECRET = {
    "DESKROUTE_ADMIN_TOKEN": ADMIN_TOKEN,
    "DESKROUTE_ZENDESK__API_TOKEN": ZENDESK_API_TOKEN,
    "DESKROUTE_ZENDESK__OAUTH_TOKEN": ZENDESK_OAUTH_TOKEN,
    "DESKROUTE_ZENDESK__WEBHOOK_SECRET": ZENDESK_WEBHOOK_SECRET,
    "DESKROUTE_FRESHDESK__API_KEY": FRESHDESK_API_KEY,
    "DESKROUTE_FRESHDESK__WEBHOOK_SECRET": FRESHDESK_WEBHOOK_SECRET,
    "DESKROUTE_ZENDESK__WEBHOOK_PREVIOUS_SECRETS": ZENDESK_PREVIOUS_WEBHOOK_SECRET,
    "DESKROUTE_FRESHDESK__WEBHOOK_PREVIOUS_SECRETS": FRESHDESK_PREVIOUS_WEBHOOK_SECRET,
    "DESKROUTE_RT__TOKEN": RT_TOKEN,
    "DESKROUTE_DATABASE_URL": f"postgresql+psycopg://deskroute:{DATABASE_PASSWORD}@db:5432/x",
}


def test_config_check_masks_every_secret_and_the_database_password() -> None:
    env = {**EVERY_SECRET, "DESKROUTE_HELPDESK": "zendesk", "DESKROUTE_ZENDESK__SUBDOMAIN": "a"}
    # wide enough that Rich wraps no value: a secret split over two lines would go unseen
    result = CliRunner().invoke(app, ["config", "check"], env={**env, "COLUMNS": "250"})
    observe("deskroute config check", result.output)
    assert result.exit_code == 0, result.output
    assert leaks([("config check", result.output)]) == []
    assert result.output.count("********") == len(EVERY_SECRET)  # the URL shows its mask
    assert "postgresql+psycopg://deskroute:********@db:5432/x" in result.output


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        pytest.param({"DESKROUTE_HTTP__PORT": "eighty"}, "DESKROUTE_HTTP__PORT", id="a-port"),
        pytest.param({"DESKROUTE_ZENDESK__API_TOKEN": f" {ZENDESK_API_TOKEN}"},
                     "DESKROUTE_ZENDESK__API_TOKEN", id="the-secret-itself"),
        pytest.param({"DESKROUTE_ZENDESK": f'{{"webhook_secret": ["{ZENDESK_WEBHOOK_SECRET}"]}}'},
                     "DESKROUTE_ZENDESK__WEBHOOK_SECRET", id="a-secret-of-the-wrong-type"),
        pytest.param({"DESKROUTE_DATABASE_URL": f"postgresql://u:{DATABASE_PASSWORD}@h:x/d"},
                     "DESKROUTE_DATABASE_URL", id="the-database-url"),
    ],
)  # fmt: skip
def test_a_bad_variable_is_reported_without_any_secret(
    monkeypatch: pytest.MonkeyPatch, bad: dict[str, str], named: str
) -> None:
    sections = [name for name in bad if "__" not in name.removeprefix("DESKROUTE_")]
    env = {name: value for name, value in EVERY_SECRET.items()
           if not any(name.startswith(section + "__") for section in sections)}  # fmt: skip
    for name, value in {**env, **bad}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert named in [name for name, _ in caught.value.problems]
    assert leaks([("ConfigError", str(caught.value))]) == []
    result = CliRunner().invoke(app, ["run"])
    observe("deskroute run", result.output)
    assert result.exit_code == 2 and named in result.output
    assert leaks([("deskroute run", result.output)]) == []


@pytest.fixture
def desk() -> Iterator[SandboxHandle]:
    handle = start_sandbox(port=0)
    yield handle
    handle.stop()


def test_a_refused_credential_is_not_in_the_error_or_the_logs(
    desk: SandboxHandle, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The sandbox refuses our token (401): the export fails and says so, without it."""
    caplog.set_level(logging.DEBUG)
    env = {"DESKROUTE_HELPDESK": "zendesk", "DESKROUTE_ZENDESK__BASE_URL": desk.zendesk_url,
           "DESKROUTE_ZENDESK__EMAIL": desk.email,
           "DESKROUTE_ZENDESK__API_TOKEN": ZENDESK_API_TOKEN}  # fmt: skip
    out = tmp_path / "h.jsonl"
    result = CliRunner().invoke(
        app, ["export", "--since", "2024-01-01", "--out", str(out)], env=env
    )
    observe("deskroute export", result.output)
    assert result.exit_code != 0 and "401" in result.output, result.output
    basic = base64.b64encode(f"{desk.email}/token:{ZENDESK_API_TOKEN}".encode()).decode()
    for text in (result.output, caplog.text):
        assert leaks([("export", text)]) == [] and basic not in text


def test_an_empty_variable_is_unset_so_admin_endpoints_stay_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``DESKROUTE_ADMIN_TOKEN=`` (compose's ``${VAR:-}``) once meant a token of "", which an
    absent Authorization header matched: every admin endpoint was open."""
    monkeypatch.setenv("DESKROUTE_ADMIN_TOKEN", "")
    monkeypatch.setenv("DESKROUTE_ZENDESK__WEBHOOK_SECRET", "")
    settings = load_settings()
    assert settings.admin_token is None and settings.zendesk.webhook_secret is None
    clock = FakeClock()
    store = Store.open(f"sqlite:///{tmp_path / 'a.sqlite3'}", "r", clock())
    ctx = AppContext(
        settings=settings, store=store, metrics=Metrics(), clock=clock, is_leader=lambda: True,
        ready=lambda: True, kick=lambda: None, accepting=lambda: True,
    )  # fmt: skip
    with TestClient(create_app(ctx)) as http:
        assert http.get("/admin/status").status_code == 404
        assert http.get("/admin/status", headers={"Authorization": "Bearer "}).status_code == 404
    store.close()


def test_every_secret_setting_has_a_test_value() -> None:
    """Each kind of credential deskroute reads has a distinctive value the guard watches."""
    assert {"ADMIN_TOKEN", "ZENDESK_API_TOKEN", "ZENDESK_OAUTH_TOKEN", "ZENDESK_WEBHOOK_SECRET",
            "FRESHDESK_API_KEY", "FRESHDESK_WEBHOOK_SECRET", "RT_TOKEN",
            "DATABASE_PASSWORD"} <= set(SECRETS)  # fmt: skip


def test_an_unset_list_of_secrets_reads_unset_not_masked() -> None:
    env = {
        "DESKROUTE_HELPDESK": "zendesk",
        "DESKROUTE_ZENDESK__SUBDOMAIN": "a",
        "DESKROUTE_ZENDESK__API_TOKEN": ZENDESK_API_TOKEN,
        "COLUMNS": "250",
    }
    result = CliRunner().invoke(app, ["config", "check"], env=env)
    line = next(
        row
        for row in result.output.splitlines()
        if "DESKROUTE_ZENDESK__WEBHOOK_PREVIOUS_SECRETS" in row
    )
    assert "(unset)" in line and "********" not in line

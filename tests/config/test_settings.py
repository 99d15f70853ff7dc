"""Settings from the environment: typed, nested, secrets masked, bad variables named."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.reference import effective, render
from config.settings import ConfigError, load_settings
from tests.secret_values import ZENDESK_API_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in __import__("os").environ if n.startswith("DESKROUTE_")]:
        monkeypatch.delenv(name)
    settings = load_settings()
    assert settings.helpdesk == "sandbox"
    assert settings.database_url.startswith("sqlite:///")


def test_nested_variables_use_double_underscore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKROUTE_HTTP__PORT", "9090")
    monkeypatch.setenv("DESKROUTE_DRY_RUN", "true")
    settings = load_settings()
    assert settings.http.port == 9090 and settings.dry_run is True


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        pytest.param("DESKROUTE_HTTP__PORT", "eighty", "valid integer", id="not-a-number"),
        pytest.param(
            "DESKROUTE_HTTP__PORT", "70000", "less than or equal to 65535", id="out-of-range"
        ),
        pytest.param("DESKROUTE_HELPDESK", "jira", "'sandbox', 'zendesk'", id="unknown-choice"),
        pytest.param("DESKROUTE_DRY_RUN", "perhaps", "valid boolean", id="not-a-boolean"),
    ],
)
def test_a_bad_variable_is_named_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    names = [problem[0] for problem in caught.value.problems]
    assert name in names
    assert reason in str(caught.value)
    assert repr(value) in str(caught.value)


def test_secrets_are_masked_in_the_effective_configuration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESKROUTE_ZENDESK__API_TOKEN", ZENDESK_API_TOKEN)
    shown = dict(effective(load_settings()))
    assert shown["DESKROUTE_ZENDESK__API_TOKEN"] == "********"
    assert ZENDESK_API_TOKEN not in repr(shown)


def test_the_configuration_reference_is_up_to_date() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert documented == render(), (
        "docs/configuration.md is stale: run `deskroute config docs --write`"
    )


def test_printing_the_settings_never_shows_the_database_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESKROUTE_DATABASE_URL", "postgresql+psycopg://router:s3cr3t-pw@db/test")
    settings = load_settings()
    assert "s3cr3t-pw" not in repr(settings)
    assert "s3cr3t-pw" not in str(settings)
    assert "router:********@db/test" in repr(settings)
    assert settings.database_url.endswith("s3cr3t-pw@db/test")  # the value itself is intact

"""``build_connector``: the connector the settings ask for, or a ConfigError naming why."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from config.settings import ConfigError, FreshdeskSettings, Settings, ZendeskSettings
from connectors.base import Connector
from connectors.factory import build_connector
from tests.secret_values import FRESHDESK_API_KEY, ZENDESK_API_TOKEN, ZENDESK_OAUTH_TOKEN


@pytest.mark.parametrize(
    ("settings", "name", "base"),
    [
        pytest.param(
            Settings(
                helpdesk="zendesk",
                zendesk=ZendeskSettings(
                    subdomain="acme", email="a@acme.test", api_token=SecretStr(ZENDESK_API_TOKEN)
                ),
            ),
            "zendesk",
            "https://acme.zendesk.com",
            id="zendesk-api-token",
        ),
        pytest.param(
            Settings(
                helpdesk="zendesk",
                zendesk=ZendeskSettings(
                    base_url="http://127.0.0.1:9/zendesk",
                    oauth_token=SecretStr(ZENDESK_OAUTH_TOKEN),
                ),
            ),
            "zendesk",
            "http://127.0.0.1:9/zendesk",
            id="zendesk-oauth",
        ),
        pytest.param(
            Settings(
                helpdesk="freshdesk",
                freshdesk=FreshdeskSettings(domain="acme", api_key=SecretStr(FRESHDESK_API_KEY)),
            ),
            "freshdesk",
            "https://acme.freshdesk.com",
            id="freshdesk",
        ),
        pytest.param(
            Settings(helpdesk="sandbox"),
            "zendesk",
            "http://127.0.0.1:8765/zendesk",
            id="sandbox-defaults",
        ),
    ],
)
def test_builds_a_connector(settings: Settings, name: str, base: str) -> None:
    connector = build_connector(settings)
    assert isinstance(connector, Connector) and connector.name == name
    assert connector.transport.base_url == base  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        pytest.param(Settings(helpdesk="zendesk"), "DESKROUTE_ZENDESK__SUBDOMAIN", id="no-account"),
        pytest.param(
            Settings(helpdesk="zendesk", zendesk=ZendeskSettings(subdomain="acme")),
            "DESKROUTE_ZENDESK__API_TOKEN",
            id="no-credentials",
        ),
        pytest.param(
            Settings(
                helpdesk="zendesk",
                zendesk=ZendeskSettings(
                    subdomain="acme", oauth_token=SecretStr(ZENDESK_OAUTH_TOKEN), plan="platinum"
                ),
            ),
            "DESKROUTE_ZENDESK__PLAN",
            id="unknown-plan",
        ),
        pytest.param(
            Settings(helpdesk="freshdesk", freshdesk=FreshdeskSettings(domain="acme")),
            "DESKROUTE_FRESHDESK__API_KEY",
            id="no-api-key",
        ),
    ],
)
def test_missing_settings_name_the_variable(settings: Settings, variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_connector(settings)
    assert caught.value.problems[0][0] == variable


def test_plan_and_override_set_the_budget() -> None:
    oauth = SecretStr(ZENDESK_OAUTH_TOKEN)
    zendesk = ZendeskSettings(subdomain="a", oauth_token=oauth, plan="team")
    connector = build_connector(Settings(helpdesk="zendesk", zendesk=zendesk))
    assert connector.transport._budgets["account"].limit == 200  # type: ignore[attr-defined]
    override = zendesk.model_copy(update={"rate_limit_per_minute": 55})
    connector = build_connector(Settings(helpdesk="zendesk", zendesk=override))
    assert connector.transport._budgets["account"].limit == 55  # type: ignore[attr-defined]

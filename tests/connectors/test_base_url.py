"""Base URLs that forgive: what people paste becomes the API base, or an error naming why."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from config.settings import ConfigError, FreshdeskSettings, RtSettings, Settings, ZendeskSettings
from connectors.base_url import BaseUrlError, normalise_base_url
from connectors.factory import base_url_of, build_connector
from tests.secret_values import FRESHDESK_API_KEY, ZENDESK_OAUTH_TOKEN


@pytest.mark.parametrize(
    ("vendor", "given", "base", "stripped"),
    [
        pytest.param(
            "zendesk", "https://acme.zendesk.com", "https://acme.zendesk.com", "", id="zendesk-bare"
        ),
        pytest.param(
            "zendesk",
            "https://acme.zendesk.com/",
            "https://acme.zendesk.com",
            "",
            id="zendesk-trailing-slash",
        ),
        pytest.param(
            "zendesk",
            "https://acme.zendesk.com/api/v2",
            "https://acme.zendesk.com",
            "/api/v2",
            id="zendesk-api-v2",
        ),
        pytest.param(
            "zendesk",
            "https://acme.zendesk.com/api/v2/",
            "https://acme.zendesk.com",
            "/api/v2",
            id="zendesk-api-v2-slash",
        ),
        pytest.param(
            "zendesk",
            "https://acme.zendesk.com/api/v2/tickets.json?page=2",
            "https://acme.zendesk.com",
            "/api/v2/tickets.json?page",
            id="zendesk-curl-paste",
        ),
        pytest.param(
            "zendesk",
            "  https://Acme.Zendesk.com/API/V2\n",
            "https://acme.zendesk.com",
            "/API/V2",
            id="zendesk-case-and-spaces",
        ),
        pytest.param(
            "zendesk",
            "https://acme.zendesk.com/agent/tickets/5",
            "https://acme.zendesk.com",
            "/agent/tickets/5",
            id="zendesk-agent-workspace",
        ),
        pytest.param(
            "zendesk",
            "https://acme.zendesk.com/hc/en-us",
            "https://acme.zendesk.com",
            "/hc/en-us",
            id="zendesk-help-center",
        ),
        pytest.param(
            "zendesk",
            "http://127.0.0.1:8765/zendesk/api/v2",
            "http://127.0.0.1:8765/zendesk",
            "/api/v2",
            id="sandbox-banner",
        ),
        pytest.param(
            "zendesk",
            "http://127.0.0.1:8765/zendesk",
            "http://127.0.0.1:8765/zendesk",
            "",
            id="sandbox-base",
        ),
        pytest.param(
            "zendesk",
            "https://proxy.corp:8443/helpdesk/zd/api/v2#top",
            "https://proxy.corp:8443/helpdesk/zd",
            "/api/v2#…",
            id="proxy-prefix",
        ),
        pytest.param(
            "zendesk",
            "http://[::1]:8765/zendesk/api/v2",
            "http://[::1]:8765/zendesk",
            "/api/v2",
            id="ipv6",
        ),
        pytest.param(
            "freshdesk",
            "https://acme.freshdesk.com/api/v2",
            "https://acme.freshdesk.com",
            "/api/v2",
            id="freshdesk-api-v2",
        ),
        pytest.param(
            "freshdesk",
            "https://acme.freshdesk.com/a/tickets/12",
            "https://acme.freshdesk.com",
            "/a/tickets/12",
            id="freshdesk-agent-ui",
        ),
        pytest.param(
            "freshdesk",
            "http://127.0.0.1:8765/freshdesk/api/v2/tickets",
            "http://127.0.0.1:8765/freshdesk",
            "/api/v2/tickets",
            id="freshdesk-sandbox",
        ),
        pytest.param(
            "rt",
            "https://rt.example.com/REST/2.0",
            "https://rt.example.com",
            "/REST/2.0",
            id="rt-rest2",
        ),
        pytest.param(
            "rt",
            "https://example.com/rt/REST/2.0/tickets",
            "https://example.com/rt",
            "/REST/2.0/tickets",
            id="rt-webpath",
        ),
        pytest.param("rt", "http://127.0.0.1:8081", "http://127.0.0.1:8081", "", id="rt-bare"),
    ],
)
def test_pastes_become_the_api_base(vendor: str, given: str, base: str, stripped: str) -> None:
    found = normalise_base_url(given, vendor)
    assert (found.url, found.stripped, found.changed) == (base, stripped, bool(stripped))


@pytest.mark.parametrize(
    ("vendor", "given", "reason"),
    [
        pytest.param("zendesk", "acme.zendesk.com", "https://", id="no-scheme"),
        pytest.param("zendesk", "ftp://acme.zendesk.com", "https://", id="ftp"),
        pytest.param("zendesk", "https:///api/v2", "host", id="no-host"),
        pytest.param("zendesk", "https://bot:hunter2@acme.zendesk.com", "password", id="userinfo"),
        pytest.param(
            "zendesk",
            "https://acme.zendesk.com/api/v2?api_token=s3cr3t",
            "api_token",
            id="token-in-query",
        ),
        pytest.param(
            "freshdesk", "https://acme.freshdesk.com?key=s3cr3t", "key", id="key-in-query"
        ),
        pytest.param("zendesk", "https://acme.zendesk.com:http", "not a valid", id="bad-port"),
        pytest.param("rt", "https://rt.example.com/REST/1.0", "REST 2", id="rt-rest1"),
    ],
)
def test_impossible_bases_are_refused_without_their_secret(
    vendor: str, given: str, reason: str
) -> None:
    with pytest.raises(BaseUrlError) as caught:
        normalise_base_url(given, vendor)
    assert reason in str(caught.value)
    assert "hunter2" not in str(caught.value) and "s3cr3t" not in str(caught.value)


OAUTH = SecretStr(ZENDESK_OAUTH_TOKEN)


@pytest.mark.parametrize(
    ("settings", "variable"),
    [
        pytest.param(
            Settings(
                helpdesk="zendesk",
                zendesk=ZendeskSettings(base_url="https://x:y@acme.zendesk.com", oauth_token=OAUTH),
            ),
            "DESKROUTE_ZENDESK__BASE_URL",
            id="zendesk",
        ),
        pytest.param(
            Settings(
                helpdesk="freshdesk",
                freshdesk=FreshdeskSettings(
                    base_url="https://acme.freshdesk.com/api/v2?apikey=x",
                    api_key=SecretStr(FRESHDESK_API_KEY),
                ),
            ),
            "DESKROUTE_FRESHDESK__BASE_URL",
            id="freshdesk",
        ),
        pytest.param(
            Settings(
                helpdesk="rt",
                rt=RtSettings(
                    base_url="https://rt.example.com/REST/1.0",
                    token=SecretStr("1-2-" + "a" * 32),
                    queues=("General",),
                ),
            ),
            "DESKROUTE_RT__BASE_URL",
            id="rt",
        ),
    ],
)
def test_a_bad_base_is_a_config_error_naming_the_variable(
    settings: Settings, variable: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        build_connector(settings)
    assert caught.value.problems[0][0] == variable


def test_the_connector_uses_the_normalised_base_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="deskroute.connectors")
    settings = Settings(
        helpdesk="zendesk",
        zendesk=ZendeskSettings(base_url="http://127.0.0.1:9/zendesk/api/v2/", oauth_token=OAUTH),
    )
    connector = build_connector(settings)
    assert connector.transport.base_url == "http://127.0.0.1:9/zendesk"  # type: ignore[attr-defined]
    assert "DESKROUTE_ZENDESK__BASE_URL" in caplog.text and "left out /api/v2" in caplog.text


def test_an_unchanged_base_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="deskroute.connectors")
    build_connector(
        Settings(
            helpdesk="zendesk",
            zendesk=ZendeskSettings(base_url="http://127.0.0.1:9/zendesk", oauth_token=OAUTH),
        )
    )
    assert "left out" not in caplog.text


def test_rt_keeps_its_web_path_and_adds_rest2() -> None:
    settings = Settings(
        helpdesk="rt",
        rt=RtSettings(
            base_url="https://example.com/rt/REST/2.0/",
            token=SecretStr("1-2-" + "a" * 32),
            queues=("General",),
        ),
    )
    connector = build_connector(settings)
    assert connector.transport.base_url == "https://example.com/rt/REST/2.0"  # type: ignore[attr-defined]
    assert connector.options.token_user == "2"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("settings", "url", "variable"),
    [
        pytest.param(Settings(), "http://127.0.0.1:8765/zendesk", "", id="embedded-sandbox"),
        pytest.param(
            Settings(helpdesk="zendesk", zendesk=ZendeskSettings(subdomain="Acme")),
            "https://acme.zendesk.com",
            "DESKROUTE_ZENDESK__SUBDOMAIN",
            id="subdomain",
        ),
        pytest.param(
            Settings(
                helpdesk="freshdesk",
                freshdesk=FreshdeskSettings(base_url="https://acme.freshdesk.com/api/v2"),
            ),
            "https://acme.freshdesk.com",
            "DESKROUTE_FRESHDESK__BASE_URL",
            id="freshdesk-url",
        ),
    ],
)
def test_base_url_of_names_where_the_base_came_from(
    settings: Settings, url: str, variable: str
) -> None:
    base = base_url_of(settings)
    assert base is not None and (base.url, base.variable) == (url, variable)

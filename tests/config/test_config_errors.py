"""Bad configuration, as `deskroute run` and `deskroute config check` see it: exit code 2,
the variable named with the reason, no traceback, and no secret value in the output."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.leak_guard import leaks, observe
from tests.secret_values import (
    ADMIN_TOKEN,
    DATABASE_PASSWORD,
    FRESHDESK_API_KEY,
    FRESHDESK_WEBHOOK_SECRET,
    ZENDESK_API_TOKEN,
    ZENDESK_WEBHOOK_SECRET,
)

SECRETS_SET = {
    "DESKROUTE_ADMIN_TOKEN": ADMIN_TOKEN,
    "DESKROUTE_ZENDESK__WEBHOOK_SECRET": ZENDESK_WEBHOOK_SECRET,
    "DESKROUTE_FRESHDESK__WEBHOOK_SECRET": FRESHDESK_WEBHOOK_SECRET,
    # never reached: every case below stops before the store is opened
    "DESKROUTE_DATABASE_URL": f"postgresql+psycopg://deskroute:{DATABASE_PASSWORD}@127.0.0.1:1/x",
}
"""Secrets present in every case, so the error output is checked for them too."""
ZENDESK = {
    "DESKROUTE_HELPDESK": "zendesk",
    "DESKROUTE_ZENDESK__SUBDOMAIN": "acme",
    "DESKROUTE_ZENDESK__EMAIL": "bot@acme.test",
    "DESKROUTE_ZENDESK__API_TOKEN": ZENDESK_API_TOKEN,
}


CASES = [
    # wrong types
    pytest.param({"DESKROUTE_HTTP__PORT": "eighty"}, "DESKROUTE_HTTP__PORT",
                 "valid integer", id="port-not-a-number"),
    pytest.param({"DESKROUTE_DRY_RUN": "perhaps"}, "DESKROUTE_DRY_RUN", "valid boolean",
                 id="not-a-boolean"),
    pytest.param({"DESKROUTE_SCHEDULER__POLL_SECONDS": "often"},
                 "DESKROUTE_SCHEDULER__POLL_SECONDS", "valid number", id="interval-not-a-number"),
    pytest.param({"DESKROUTE_RT__QUEUES": '["Billing", '}, "DESKROUTE_RT__QUEUES",
                 "Expecting value", id="list-with-broken-json"),
    pytest.param({"DESKROUTE_HTTP": "[1, 2]"}, "DESKROUTE_HTTP", "valid dictionary",
                 id="section-given-a-list"),
    # out of range
    pytest.param({"DESKROUTE_HTTP__PORT": "70000"}, "DESKROUTE_HTTP__PORT",
                 "less than or equal to 65535", id="port-too-high"),
    pytest.param({"DESKROUTE_HTTP__PORT": "-1"}, "DESKROUTE_HTTP__PORT",
                 "greater than or equal to 0", id="port-negative"),
    pytest.param({"DESKROUTE_SCHEDULER__POLL_SECONDS": "-5"},
                 "DESKROUTE_SCHEDULER__POLL_SECONDS", "greater than 0", id="negative-interval"),
    pytest.param({"DESKROUTE_LEASE__TTL_SECONDS": "0"}, "DESKROUTE_LEASE__TTL_SECONDS",
                 "greater than 0", id="zero-ttl"),
    pytest.param({"DESKROUTE_ZENDESK__RATE_LIMIT_SHARE": "1.5"},
                 "DESKROUTE_ZENDESK__RATE_LIMIT_SHARE", "less than or equal to 1",
                 id="rate-share-over-1"),
    pytest.param({"DESKROUTE_CLASSIFIER__MIN_CONFIDENCE": "2"},
                 "DESKROUTE_CLASSIFIER__MIN_CONFIDENCE", "less than or equal to 1",
                 id="confidence-over-1"),
    pytest.param({"DESKROUTE_WRITER__BATCH_MAX": "0"}, "DESKROUTE_WRITER__BATCH_MAX",
                 "greater than or equal to 1", id="empty-batch"),
    pytest.param({"DESKROUTE_HTTP__MAX_BODY_BYTES": "10"}, "DESKROUTE_HTTP__MAX_BODY_BYTES",
                 "greater than or equal to 1024", id="body-limit-too-small"),
    pytest.param({"DESKROUTE_LEASE__RENEW_SECONDS": "30"}, "DESKROUTE_LEASE__RENEW_SECONDS",
                 "less than DESKROUTE_LEASE__TTL_SECONDS", id="renew-slower-than-ttl"),
    pytest.param({"DESKROUTE_WRITER__RETRY_MAX_SECONDS": "1"},
                 "DESKROUTE_WRITER__RETRY_MAX_SECONDS",
                 "at least DESKROUTE_WRITER__RETRY_BASE_SECONDS", id="retry-cap-below-base"),
    # not one of the choices, not of the expected form
    pytest.param({"DESKROUTE_HELPDESK": "jira"}, "DESKROUTE_HELPDESK", "'sandbox', 'zendesk'",
                 id="unknown-help-desk"),
    pytest.param({"DESKROUTE_LOG_LEVEL": "chatty"}, "DESKROUTE_LOG_LEVEL", "'DEBUG', 'INFO'",
                 id="unknown-log-level"),
    pytest.param({"DESKROUTE_ZENDESK__BASE_URL": "acme.zendesk.com"},
                 "DESKROUTE_ZENDESK__BASE_URL", "not of the expected form", id="url-no-scheme"),
    pytest.param({"DESKROUTE_ZENDESK__SUBDOMAIN": "acme.zendesk.com"},
                 "DESKROUTE_ZENDESK__SUBDOMAIN", "not of the expected form",
                 id="subdomain-is-a-host"),
    pytest.param({"DESKROUTE_FRESHDESK__WEBHOOK_HEADER": "X Secret"},
                 "DESKROUTE_FRESHDESK__WEBHOOK_HEADER", "not of the expected form",
                 id="header-name-with-a-space"),
    pytest.param({"DESKROUTE_STORE__SCHEMA_NAME": "Bad-Name"}, "DESKROUTE_STORE__SCHEMA_NAME",
                 "not of the expected form", id="schema-name"),
    pytest.param({"DESKROUTE_DATABASE_URL": f"postgresql://u:{DATABASE_PASSWORD}@h:port/x"},
                 "DESKROUTE_DATABASE_URL", "port is not a number", id="database-url-bad-port"),
    pytest.param({"DESKROUTE_DATABASE_URL": "deskroute.sqlite3"}, "DESKROUTE_DATABASE_URL",
                 "not a database URL", id="database-url-a-path"),
    pytest.param({"DESKROUTE_ADMIN_TOKEN": f"{ADMIN_TOKEN}\n"}, "DESKROUTE_ADMIN_TOKEN",
                 "without spaces or line breaks", id="secret-with-a-line-break"),
    # missing for the configured help desk
    pytest.param({"DESKROUTE_HELPDESK": "zendesk"}, "DESKROUTE_ZENDESK__SUBDOMAIN",
                 "DESKROUTE_ZENDESK__BASE_URL", id="zendesk-without-an-account"),
    pytest.param({**ZENDESK, "DESKROUTE_ZENDESK__API_TOKEN": ""},
                 "DESKROUTE_ZENDESK__API_TOKEN", "DESKROUTE_ZENDESK__OAUTH_TOKEN",
                 id="zendesk-without-a-token"),
    pytest.param({**ZENDESK, "DESKROUTE_ZENDESK__PLAN": "platinum"},
                 "DESKROUTE_ZENDESK__PLAN", "platinum", id="zendesk-unknown-plan"),
    pytest.param({"DESKROUTE_HELPDESK": "freshdesk", "DESKROUTE_FRESHDESK__DOMAIN": "acme"},
                 "DESKROUTE_FRESHDESK__API_KEY", "required for Freshdesk",
                 id="freshdesk-without-a-key"),
    pytest.param({"DESKROUTE_HELPDESK": "freshdesk",
                  "DESKROUTE_FRESHDESK__API_KEY": FRESHDESK_API_KEY},
                 "DESKROUTE_FRESHDESK__DOMAIN", "DESKROUTE_FRESHDESK__BASE_URL",
                 id="freshdesk-without-a-domain"),
    pytest.param({"DESKROUTE_HELPDESK": "rt"}, "DESKROUTE_RT__BASE_URL",
                 "required when DESKROUTE_HELPDESK=rt", id="rt-without-a-server"),
    # the shop (issue 19)
    pytest.param({"DESKROUTE_SHOP__KIND": "shopify"}, "DESKROUTE_SHOP__URL",
                 "required for shopify", id="shopify-without-an-address"),
    pytest.param({"DESKROUTE_SHOP__KIND": "woocommerce",
                  "DESKROUTE_SHOP__URL": "https://shop.example.test",
                  "DESKROUTE_SHOP__TOKEN": "ck_only"},
                 "DESKROUTE_SHOP__TOKEN", "consumer_key:consumer_secret",
                 id="woocommerce-key-without-secret"),
    pytest.param({"DESKROUTE_SHOP__KIND": "magento"}, "DESKROUTE_SHOP__KIND", "'shopify'",
                 id="unknown-shop"),
]  # fmt: skip


@pytest.mark.parametrize("command", [["run"], ["config", "check"]], ids=["run", "config-check"])
@pytest.mark.parametrize(("env", "variable", "reason"), CASES)
def test_bad_configuration_exits_2_naming_the_variable_and_the_reason(
    command: list[str], env: dict[str, str], variable: str, reason: str
) -> None:
    result = CliRunner().invoke(app, command, env={**SECRETS_SET, **env})
    observe(" ".join(["deskroute", *command]), result.output)
    text = " ".join(result.output.split())  # Rich wraps long lines
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert variable in text and reason in text, text
    assert not leaks([("output", result.output)])


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        pytest.param({"DESKROUTE_HTTP__PORT": "eighty", "DESKROUTE_LEASE__TTL_SECONDS": "-3"},
                     ["DESKROUTE_HTTP__PORT", "DESKROUTE_LEASE__TTL_SECONDS"], id="two-at-once"),
    ],
)  # fmt: skip
def test_every_bad_variable_is_reported_at_once(env: dict[str, str], variable: list[str]) -> None:
    result = CliRunner().invoke(app, ["config", "check"], env=env)
    assert result.exit_code == 2
    assert all(name in result.output for name in variable)


def test_a_complete_configuration_checks_out() -> None:
    result = CliRunner().invoke(app, ["config", "check"], env={**SECRETS_SET, **ZENDESK})
    observe("deskroute config check", result.output)
    assert result.exit_code == 0, result.output
    assert "configuration OK" in result.output

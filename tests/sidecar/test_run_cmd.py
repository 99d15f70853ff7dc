"""``deskroute run`` refuses bad configuration with exit code 2, naming what is wrong."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app

ZENDESK = {
    "DESKROUTE_HELPDESK": "zendesk",
    "DESKROUTE_ZENDESK__BASE_URL": "http://127.0.0.1:9",
    "DESKROUTE_ZENDESK__EMAIL": "a@b.invalid",
    "DESKROUTE_ZENDESK__API_TOKEN": "t",
}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        pytest.param({"DESKROUTE_HTTP__PORT": "eighty"}, "DESKROUTE_HTTP__PORT", id="port"),
        pytest.param({"DESKROUTE_LEASE__TTL_SECONDS": "-1"}, "DESKROUTE_LEASE__TTL_SECONDS",
                     id="negative-ttl"),
        pytest.param({"DESKROUTE_HELPDESK": "jira"}, "DESKROUTE_HELPDESK", id="unknown-desk"),
        pytest.param({"DESKROUTE_HELPDESK": "zendesk"}, "DESKROUTE_ZENDESK__SUBDOMAIN",
                     id="missing-credentials"),
        pytest.param({"DESKROUTE_HELPDESK": "freshdesk", "DESKROUTE_FRESHDESK__DOMAIN": "x",
                      "DESKROUTE_DATABASE_URL": "nosuchdb://x"}, "DESKROUTE_FRESHDESK__API_KEY",
                     id="freshdesk-without-key"),
        pytest.param({**ZENDESK, "DESKROUTE_DATABASE_URL": "nosuchdb://x"},
                     "DESKROUTE_DATABASE_URL", id="bad-database-url"),
        pytest.param({"DESKROUTE_POLICY_FILE": "/nonexistent/policy.yaml"}, "policy",
                     id="missing-policy-file"),
    ],
)  # fmt: skip
def test_bad_configuration_exits_2_naming_the_problem(env: dict[str, str], named: str) -> None:
    result = CliRunner().invoke(app, ["run"], env=env)
    assert result.exit_code == 2, result.output
    assert named in result.output

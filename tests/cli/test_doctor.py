"""``deskroute doctor`` against the sandbox: who we are, what the account offers, what to fix,
and one clear paragraph (exit 2, no traceback) when the address, token or host is wrong."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from typer.testing import CliRunner, Result

from cli.main import app
from connectors.plans import plan_limit
from sandbox import SandboxHandle, start_sandbox
from sandbox.accounts import SANDBOX_API_KEY, SANDBOX_EMAIL, SANDBOX_TOKEN
from sandbox.profiles import PROFILES, FreshdeskProfile, ZendeskProfile
from tests.secret_values import FRESHDESK_API_KEY, ZENDESK_API_TOKEN

QUICK = {"DESKROUTE_ZENDESK__RETRY_ATTEMPTS": "1", "DESKROUTE_FRESHDESK__RETRY_ATTEMPTS": "1"}


@pytest.fixture(scope="module")
def desk() -> Iterator[SandboxHandle]:
    with start_sandbox(agents=3, tickets=2) as handle:
        yield handle


def zendesk_env(
    base: str, *, email: str = SANDBOX_EMAIL, token: str = SANDBOX_TOKEN
) -> dict[str, str]:
    return {
        "DESKROUTE_HELPDESK": "zendesk",
        "DESKROUTE_ZENDESK__BASE_URL": base,
        "DESKROUTE_ZENDESK__EMAIL": email,
        "DESKROUTE_ZENDESK__API_TOKEN": token,
        **QUICK,
    }


def freshdesk_env(base: str, key: str = SANDBOX_API_KEY) -> dict[str, str]:
    return {
        "DESKROUTE_HELPDESK": "freshdesk",
        "DESKROUTE_FRESHDESK__BASE_URL": base,
        "DESKROUTE_FRESHDESK__API_KEY": key,
        **QUICK,
    }


def doctor(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(app, ["doctor", *args], env={"COLUMNS": "80", **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    return result


def report(env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    result = doctor(env, "--json")
    return result.exit_code, json.loads(result.output)


def feature(data: dict[str, Any], prefix: str) -> dict[str, Any]:
    found = [f for f in data["features"] if f["name"].startswith(prefix)]
    assert len(found) == 1, (prefix, data["features"])
    return found[0]


def flat(text: str) -> str:
    return " ".join(text.split())


# -- a healthy account ----------------------------------------------------------------------
def test_a_healthy_zendesk_account_reports_who_and_what(desk: SandboxHandle) -> None:
    code, data = report(zendesk_env(f"{desk.zendesk_url}/api/v2/"))
    assert code == 0 and data["routable"] is True
    assert data["desk"] == "zendesk" and data["base_url"] == desk.zendesk_url
    assert data["identity"] == f"Sandbox Admin <{SANDBOX_EMAIL}> (admin)"
    assert "left out /api/v2" in data["notes"]["base URL"]
    assert data["rate_limit"] == plan_limit("zendesk", "professional")
    assert feature(data, "webhooks")["present"] is True
    assert feature(data, "bulk update")["present"] is True
    assert all(data["sources"][key] for key in ("availability", "skills", "loads"))
    assert not any(fix["blocking"] for fix in data["fixes"])


def test_a_healthy_freshdesk_account_reports_the_admin_role(desk: SandboxHandle) -> None:
    code, data = report(freshdesk_env(f"{desk.freshdesk_url}/api/v2"))
    assert code == 0 and data["routable"] is True
    assert data["identity"] == f"Sandbox Admin <{SANDBOX_EMAIL}> (Account Administrator)"
    assert data["base_url"] == desk.freshdesk_url
    assert feature(data, "webhooks")["present"] is None  # automation rules: not checkable


def test_an_agent_token_routes_but_cannot_see_webhooks(desk: SandboxHandle) -> None:
    agent = next(iter(desk.sandbox.desk.agents.values()))
    code, data = report(zendesk_env(desk.zendesk_url, email=agent.email))
    assert code == 0 and data["notes"]["role"] == "agent"
    assert feature(data, "webhooks")["present"] is None
    advice = [fix for fix in data["fixes"] if "not an admin" in fix["problem"]]
    assert advice and not advice[0]["blocking"]
    assert "DESKROUTE_ZENDESK__EMAIL" in advice[0]["setting"]


def test_the_layout_reads_at_80_columns_without_colour(desk: SandboxHandle) -> None:
    result = doctor(zendesk_env(f"{desk.zendesk_url}/api/v2"))
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80
    assert "\x1b[" not in result.output
    for heading in (
        "connected as",
        "base URL",
        "rate limit",
        "What the account offers",
        "What deskroute will use",
        "Routing can work",
    ):
        assert heading in result.output


def test_config_check_probe_runs_the_doctor(desk: SandboxHandle) -> None:
    env = {"COLUMNS": "200", **zendesk_env(f"{desk.zendesk_url}/api/v2")}
    result = CliRunner().invoke(app, ["config", "check", "--probe"], env=env)
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert (
        f"DESKROUTE_ZENDESK__BASE_URL: using {desk.zendesk_url} (left out /api/v2; "
        "deskroute adds the API path)"
    ) in text
    assert "configuration OK" in text and "Routing can work" in text


# -- wrong base URL, wrong token, unreachable host -------------------------------------------
@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port bound but not listening: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


@pytest.mark.parametrize(
    ("case", "problem", "words"),
    [
        pytest.param(
            "prefix",
            "wrong base URL",
            [
                "GET {url}/zendsk/api/v2/users/me.json: HTTP 404",
                "deskroute used {url}/zendsk (from DESKROUTE_ZENDESK__BASE_URL)",
            ],
            id="wrong-prefix",
        ),
        pytest.param(
            "token",
            "wrong credentials",
            ["GET {url}/zendesk/api/v2/users/me.json: HTTP 401", "DESKROUTE_ZENDESK__API_TOKEN"],
            id="wrong-token",
        ),
        pytest.param(
            "freshdesk-key",
            "wrong credentials",
            ["GET {url}/freshdesk/api/v2/agents/me: HTTP 401", "DESKROUTE_FRESHDESK__API_KEY"],
            id="wrong-freshdesk-key",
        ),
        pytest.param(
            "unreachable",
            "unreachable host",
            [
                "GET {url}/zendesk/api/v2/users/me.json: connection failed (connection refused",
                "Check DESKROUTE_ZENDESK__SUBDOMAIN=acme or "
                "DESKROUTE_ZENDESK__BASE_URL (from DESKROUTE_ZENDESK__BASE_URL)",
            ],
            id="unreachable",
        ),
    ],
)
def test_a_broken_connection_is_one_paragraph_and_exit_2(
    desk: SandboxHandle, closed_port: int, case: str, problem: str, words: list[str]
) -> None:
    url = f"http://127.0.0.1:{closed_port}" if case == "unreachable" else desk.url
    env = {
        "prefix": zendesk_env(f"{desk.url}/zendsk"),
        "token": zendesk_env(desk.zendesk_url, token=ZENDESK_API_TOKEN),
        "freshdesk-key": freshdesk_env(desk.freshdesk_url, FRESHDESK_API_KEY),
        "unreachable": zendesk_env(f"{url}/zendesk"),
    }[case]
    result = doctor(env)
    assert result.exit_code == 2
    text = flat(result.output)
    assert text.startswith(f"deskroute doctor: {problem} ")
    for expected in words:
        assert expected.format(url=url) in text
    code, data = report(env)
    assert code == 2 and data["problem"] == problem and data["routable"] is False


def test_missing_credentials_name_the_variable() -> None:
    code, data = report({"DESKROUTE_HELPDESK": "freshdesk", "DESKROUTE_FRESHDESK__DOMAIN": "acme"})
    assert code == 2 and data["problem"] == "incomplete configuration"
    assert "DESKROUTE_FRESHDESK__API_KEY" in data["diagnosis"]


# -- every account profile -------------------------------------------------------------------
ZENDESK_FEATURES = {
    "omnichannel": "omnichannel agent status",
    "skills_api": "skills API",
    "schedules": "business-hours schedules",
}


@pytest.mark.parametrize("name", list(PROFILES))
def test_each_profile_is_reported_as_it_is(name: str) -> None:
    profile = PROFILES[name]
    vendor = "zendesk" if isinstance(profile, ZendeskProfile) else "freshdesk"
    with start_sandbox(agents=3, tickets=1, **{f"{vendor}_profile": name}) as desk:
        env = (
            zendesk_env(desk.zendesk_url)
            if vendor == "zendesk"
            else freshdesk_env(desk.freshdesk_url)
        )
        env[f"DESKROUTE_{vendor.upper()}__PLAN"] = profile.plan
        code, data = report(env)
    assert code == 0, data  # deskroute routes on every profile
    assert data["rate_limit"] == plan_limit(vendor, profile.plan)
    assert not [fix for fix in data["fixes"] if "announces" in fix["problem"]]
    if isinstance(profile, FreshdeskProfile):
        assert feature(data, "skills")["present"] is profile.skills
        return
    assert feature(data, ZENDESK_FEATURES["omnichannel"])["present"] is profile.omnichannel
    assert feature(data, ZENDESK_FEATURES["skills_api"])["present"] is profile.skills_api
    assert feature(data, ZENDESK_FEATURES["schedules"])["present"] is (profile.schedules > 0)
    if not profile.user_fields:
        assert any("deskroute_skills" in fix["setting"] for fix in data["fixes"])


def test_a_wrong_plan_is_advised_with_the_setting(desk: SandboxHandle) -> None:
    env = {**zendesk_env(desk.zendesk_url), "DESKROUTE_ZENDESK__PLAN": "team"}
    code, data = report(env)
    assert code == 0
    advice = [fix for fix in data["fixes"] if "announces" in fix["problem"]]
    assert len(advice) == 1 and not advice[0]["blocking"]
    assert re.match(
        r"DESKROUTE_ZENDESK__PLAN=\w+ \(or DESKROUTE_ZENDESK__RATE_LIMIT_PER_MINUTE"
        r"=400\)",
        advice[0]["setting"],
    )


def test_a_web_page_at_the_address_is_a_wrong_base_url() -> None:
    with responses.RequestsMock() as http:
        http.get(
            "https://intranet.acme.test/api/v2/users/me.json",
            body="<!doctype html><title>Sign in</title>",
            content_type="text/html",
        )
        code, data = report(zendesk_env("https://intranet.acme.test", token=ZENDESK_API_TOKEN))
    assert code == 2 and data["problem"] == "wrong base URL"
    assert (
        "GET https://intranet.acme.test/api/v2/users/me.json: answered a web page"
        in data["diagnosis"]
    )


def test_config_check_probe_names_a_skill_no_agent_has(desk: SandboxHandle, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "rules:\n"
        "  - name: refunds\n"
        "    when: {text: refund}\n"
        "    then: {set_group: Billing, add_required_skills: {biling: 5}}\n",
        encoding="utf-8",
    )
    env = {"COLUMNS": "200", "DESKROUTE_POLICY_FILE": str(policy),
           **zendesk_env(f"{desk.zendesk_url}/api/v2")}  # fmt: skip
    result = CliRunner().invoke(app, ["config", "check", "--probe"], env=env)
    assert result.exit_code == 2
    assert "rule 'refunds': no agent has the skill 'biling' (did you mean 'billing'?)" in flat(
        result.output
    )
    policy.write_text(policy.read_text().replace("biling", "billing"), encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "check", "--probe"], env=env)
    assert result.exit_code == 0, result.output
    assert "policy names OK" in flat(result.output)

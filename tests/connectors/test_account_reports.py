"""The pieces of the connection report: identities and roles, refusals as answers, RT's
token owner and queues, and diagnoses that name the problem and the setting."""

from __future__ import annotations

import json

import pytest
import responses
from typer.testing import CliRunner

from cli.main import app
from connectors.account import AccountReport, Fix
from connectors.base_url import BaseUrl
from connectors.diagnosis import (
    SANDBOX_HINT,
    DeskContext,
    diagnose,
    plan_advice,
    with_configuration,
)
from connectors.errors import (
    FatalError,
    RetriableError,
    SkippableError,
    UnreachableError,
    WrongAddressError,
)
from connectors.freshdesk import account as freshdesk_account
from connectors.probing import Answer
from connectors.rt.account import token_owner
from connectors.zendesk import account as zendesk_account

ME = "GET https://acme.zendesk.com/api/v2/users/me.json"


# -- Zendesk -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "user",
    [
        pytest.param({"id": None, "name": "Anonymous user", "role": "end-user"}, id="anonymous"),
        pytest.param({"id": 7, "name": "Cus Tomer", "role": "end-user"}, id="end-user"),
        pytest.param(None, id="no-user"),
    ],
)
def test_an_unauthenticated_me_is_a_401(user: object) -> None:
    with pytest.raises(FatalError) as caught:
        zendesk_account.identity_from_me({"user": user}, ME)
    assert caught.value.status == 401 and str(caught.value).startswith(ME)
    assert diagnose(caught.value, context()).problem == "wrong credentials"


@pytest.mark.parametrize(
    ("user", "blocking", "words"),
    [
        pytest.param({"role": "admin", "role_type": 4}, None, "", id="admin"),
        pytest.param({"role": "agent", "role_type": 0}, False, "not an admin", id="agent"),
        pytest.param(
            {"role": "agent", "restricted_agent": True},
            False,
            "restricted agent",
            id="restricted-agent",
        ),
        pytest.param({"role": "agent", "role_type": 1}, True, "light agent", id="light-agent"),
        pytest.param({"role": "agent", "role_type": 3}, True, "contributor", id="contributor"),
        pytest.param({"role": "admin", "suspended": True}, True, "suspended", id="suspended"),
    ],
)
def test_what_a_zendesk_role_means_for_routing(
    user: dict[str, object], blocking: bool | None, words: str
) -> None:
    identity = zendesk_account.identity_from_me(
        {"user": {"id": 1, "name": "Ada", "email": "ada@acme.test", **user}}, ME
    )
    fixes = zendesk_account.role_fixes(identity)
    if blocking is None:
        assert fixes == ()
        return
    assert len(fixes) == 1 and fixes[0].blocking is blocking and words in fixes[0].problem


@pytest.mark.parametrize(
    ("answer", "present", "words"),
    [
        pytest.param(
            Answer(data={"webhooks": [{"status": "active"}, {"status": "inactive"}]}),
            True,
            "2 set up, 1 active",
            id="listed",
        ),
        pytest.param(Answer(status=403, reason="Forbidden"), None, "needs an admin", id="403"),
        pytest.param(Answer(status=404, reason="InvalidEndpoint"), False, "HTTP 404", id="404"),
    ],
)
def test_zendesk_webhooks_answer(answer: Answer, present: bool | None, words: str) -> None:
    found = zendesk_account.webhooks_feature(answer)
    assert found.present is present and words in found.detail


# -- Freshdesk ---------------------------------------------------------------------------------
AGENT = {
    "id": 3,
    "type": "support_agent",
    "ticket_scope": 1,
    "role_ids": [2],
    "contact": {"name": "Ada", "email": "ada@acme.test"},
}
ROLES = Answer(
    data=[
        {"id": 1, "name": "Account Administrator"},
        {"id": 2, "name": "Administrator"},
        {"id": 4, "name": "Agent"},
    ]
)


@pytest.mark.parametrize(
    ("agent", "roles", "text", "blocking"),
    [
        pytest.param(AGENT, ROLES, "Ada <ada@acme.test> (Administrator)", None, id="admin"),
        pytest.param(
            AGENT,
            Answer(status=403),
            "Ada <ada@acme.test> (not an admin)",
            True,
            id="roles-refused",
        ),
        pytest.param(
            AGENT,
            Answer(status=404),
            "Ada <ada@acme.test> (role unknown)",
            None,
            id="roles-unknown",
        ),
        pytest.param(
            {**AGENT, "type": "collaborator"},
            ROLES,
            "Ada <ada@acme.test> (Administrator)",
            True,
            id="collaborator",
        ),
        pytest.param(
            {**AGENT, "ticket_scope": 2},
            ROLES,
            "Ada <ada@acme.test> (Administrator)",
            False,
            id="group-access",
        ),
    ],
)
def test_what_a_freshdesk_key_may_do(
    agent: dict[str, object], roles: Answer, text: str, blocking: bool | None
) -> None:
    identity = freshdesk_account.identity_of(agent, roles)
    fixes = freshdesk_account.role_fixes(identity)
    assert str(identity) == text
    assert [fix.blocking for fix in fixes] == ([] if blocking is None else [blocking])


# -- RT ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("token", "owner"),
    [
        pytest.param("1-37-8603e552ed6f59a05de1b5566e212fba", "37", id="rt5-token"),
        pytest.param("  1-5-ABCDEF0123456789abcdef0123456789\n", "5", id="spaces-uppercase"),
        pytest.param("2-37-8603e552ed6f59a05de1b5566e212fba", None, id="other-version"),
        pytest.param("rt-token-8a2f6c0e4b97", None, id="not-a-token"),
    ],
)
def test_the_rt_token_names_its_user(token: str, owner: str | None) -> None:
    assert token_owner(token) == owner


RT = "https://rt.example.com/REST/2.0"
RT_TOKEN_37 = "1-37-" + "0" * 32
RT_ENV = {
    "DESKROUTE_HELPDESK": "rt",
    "DESKROUTE_RT__BASE_URL": "https://rt.example.com/REST/2.0",
    "DESKROUTE_RT__TOKEN": RT_TOKEN_37,
    "DESKROUTE_RT__QUEUES": "Billing,Support",
    "COLUMNS": "100",
}


def rt_desk(
    http: responses.RequestsMock, *, superuser: bool = False, hidden: str | None = None
) -> None:
    http.get(f"{RT}/rt", json={"Version": "5.0.3", **({"Plugins": []} if superuser else {})})
    http.get(
        f"{RT}/user/37",
        json={
            "id": 37,
            "Name": "router",
            "RealName": "Router Bot",
            "EmailAddress": "router@example.com",
            "Privileged": 1,
        },
    )
    for queue in ("Billing", "Support"):
        if queue == hidden:
            http.get(f"{RT}/queue/{queue}", status=403, json={"message": "Forbidden"})
        else:
            http.get(f"{RT}/queue/{queue}", json={"id": 3, "Name": queue})


def test_rt_doctor_names_the_token_user_and_its_queues() -> None:
    with responses.RequestsMock() as http:
        rt_desk(http)
        result = CliRunner().invoke(app, ["doctor", "--json"], env=RT_ENV)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["identity"] == "Router Bot <router@example.com> (privileged)"
    assert data["base_url"] == "https://rt.example.com"
    assert [f["present"] for f in data["features"] if f["name"].startswith("queue")] == [True, True]


def test_rt_doctor_blocks_on_a_hidden_queue_and_warns_of_a_superuser() -> None:
    with responses.RequestsMock() as http:
        rt_desk(http, superuser=True, hidden="Support")
        result = CliRunner().invoke(app, ["doctor", "--json"], env=RT_ENV)
    assert result.exit_code == 2, result.output
    data = json.loads(result.output)
    blocking = [fix for fix in data["fixes"] if fix["blocking"]]
    assert len(blocking) == 1 and "'Support'" in blocking[0]["problem"]
    assert "DESKROUTE_RT__QUEUES" in blocking[0]["setting"]
    assert any("SuperUser" in fix["problem"] and not fix["blocking"] for fix in data["fixes"])


# -- diagnoses ---------------------------------------------------------------------------------
def context(*, embedded: bool = False, desk: str = "zendesk") -> DeskContext:
    base = BaseUrl(
        url="https://acme.zendesk.com",
        given="https://acme.zendesk.com/api/v2",
        stripped="/api/v2",
        variable="" if embedded else "DESKROUTE_ZENDESK__BASE_URL",
    )
    return DeskContext(
        desk=desk, base=base, embedded_sandbox=embedded, plan="professional", configured_limit=400
    )


@pytest.mark.parametrize(
    ("error", "problem", "kind", "words"),
    [
        pytest.param(
            SkippableError(f"{ME}: HTTP 404: InvalidEndpoint", status=404),
            "wrong base URL",
            "configuration",
            "DESKROUTE_ZENDESK__BASE_URL",
            id="404",
        ),
        pytest.param(
            WrongAddressError(f"{ME}: answered a web page", status=200),
            "wrong base URL",
            "configuration",
            "adds /api/v2 itself",
            id="web-page",
        ),
        pytest.param(
            FatalError(f"{ME}: HTTP 401: Couldn't authenticate you", status=401),
            "wrong credentials",
            "configuration",
            "DESKROUTE_ZENDESK__API_TOKEN",
            id="401",
        ),
        pytest.param(
            FatalError(f"{ME}: HTTP 403: Forbidden", status=403),
            "no access",
            "configuration",
            "admin",
            id="403",
        ),
        pytest.param(
            UnreachableError(f"{ME}: connection failed (unknown host name)"),
            "unreachable host",
            "configuration",
            "network, proxy, firewall",
            id="unreachable",
        ),
        pytest.param(
            RetriableError(f"{ME}: HTTP 503: down", status=503),
            "help desk error",
            "transient",
            "Try again later",
            id="503",
        ),
    ],
)
def test_diagnoses_name_the_problem_the_request_and_the_fix(
    error: Exception, problem: str, kind: str, words: str
) -> None:
    found = diagnose(error, context())  # type: ignore[arg-type]
    assert (found.problem, found.kind) == (problem, kind)
    assert ME in found.paragraph and words in found.paragraph


def test_the_embedded_sandbox_gets_the_start_it_hint() -> None:
    found = diagnose(
        UnreachableError(f"{ME}: connection failed (connection refused)"), context(embedded=True)
    )
    assert SANDBOX_HINT in found.paragraph and found.kind == "configuration"


@pytest.mark.parametrize(
    ("announced", "overridden", "setting"),
    [
        pytest.param(None, False, None, id="not-announced"),
        pytest.param(400, False, None, id="agrees"),
        pytest.param(
            700,
            False,
            "DESKROUTE_ZENDESK__PLAN=enterprise (or DESKROUTE_ZENDESK__RATE_LIMIT_PER_MINUTE=700)",
            id="bigger-plan",
        ),
        pytest.param(555, False, "DESKROUTE_ZENDESK__RATE_LIMIT_PER_MINUTE=555", id="no-such-plan"),
        pytest.param(700, True, "DESKROUTE_ZENDESK__RATE_LIMIT_PER_MINUTE=700", id="override"),
    ],
)
def test_plan_advice(announced: int | None, overridden: bool, setting: str | None) -> None:
    ctx = DeskContext(
        desk="zendesk",
        base=context().base,
        plan="professional",
        configured_limit=400,
        limit_overridden=overridden,
    )
    advice = plan_advice(ctx, announced)
    assert (advice.setting if advice else None) == setting
    assert advice is None or not advice.blocking


def test_with_configuration_shows_the_normalised_base_and_keeps_fixes() -> None:
    raw = AccountReport(
        desk="zendesk",
        base_url="https://acme.zendesk.com",
        identity="Ada",
        rate_limit=700,
        fixes=(Fix(problem="p", setting="s", blocking=True),),
    )
    found = with_configuration(raw, context())
    assert found.notes["base URL"] == (
        "https://acme.zendesk.com (DESKROUTE_ZENDESK__BASE_URL; left out /api/v2)"
    )
    assert found.fixes[0].problem == "p" and "announces 700" in found.fixes[1].problem
    assert not found.routable

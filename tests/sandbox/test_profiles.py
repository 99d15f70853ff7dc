"""Account profiles: each one answers the optional endpoints as its real account variant does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from sandbox import PROFILES, SandboxHandle, SandboxOptions, profile, start_sandbox
from sandbox.profiles import FreshdeskProfile, ZendeskProfile

PAIRS = {  # each Zendesk profile runs with one Freshdesk profile beside it
    "zendesk-team": "freshdesk-growth",
    "zendesk-professional": "freshdesk-pro",
    "zendesk-omnichannel": "freshdesk-pro",
    "zendesk-enterprise": "freshdesk-enterprise",
    "zendesk-enterprise-classic": "freshdesk-enterprise",
    "zendesk-bare": "freshdesk-growth",
}
FACES = {
    "freshdesk-growth": "zendesk-team",
    "freshdesk-pro": "zendesk-professional",
    "freshdesk-enterprise": "zendesk-enterprise",
}
Desks = Callable[[str], SandboxHandle]


@pytest.fixture(scope="module")
def desks() -> Iterator[Desks]:
    """One sandbox per Zendesk profile (with its Freshdesk pair), started on first use."""
    started: dict[str, SandboxHandle] = {}

    def desk(name: str) -> SandboxHandle:
        zendesk = name if name in PAIRS else FACES[name]
        if zendesk not in started:
            started[zendesk] = start_sandbox(
                agents=4,
                tickets=3,
                job_delay=0.01,
                rate_limits=False,
                search_lag=0,
                export_lag=0,
                zendesk_profile=zendesk,
                freshdesk_profile=PAIRS[zendesk],
            )
        return started[zendesk]

    yield desk
    for handle in started.values():
        handle.stop()


def zd(desk: SandboxHandle, path: str, method: str = "GET", **kwargs: Any) -> requests.Response:
    return requests.request(
        method,
        f"{desk.zendesk_url}/api/v2{path}",
        auth=(f"{desk.email}/token", desk.api_token),
        timeout=5,
        **kwargs,
    )


def fd(desk: SandboxHandle, path: str) -> requests.Response:
    return requests.get(f"{desk.freshdesk_url}/api/v2{path}", auth=(desk.api_key, "X"), timeout=5)


def test_there_are_the_promised_profiles_with_sources() -> None:
    assert set(PROFILES) == set(PAIRS) | set(FACES)
    for found in PROFILES.values():
        assert found.summary and found.sources
        assert all(source.startswith("https://") for source in found.sources)


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in (*PAIRS, *FACES)])
def test_every_profile_starts_and_announces_its_plan_limit(desks: Desks, name: str) -> None:
    desk, found = desks(name), profile(name)
    status = requests.get(f"{desk.control_url}/status", timeout=5).json()
    if isinstance(found, ZendeskProfile):
        assert desk.zendesk_profile is found and status["profiles"]["zendesk"] == name
        limit = zd(desk, "/tickets.json").headers["x-rate-limit"]
    else:
        assert desk.freshdesk_profile is found and status["profiles"]["freshdesk"] == name
        limit = fd(desk, "/groups").headers["x-ratelimit-total"]
    expected = {"team": 200, "professional": 400, "enterprise": 700, "growth": 200, "pro": 400}
    assert int(limit) == expected[found.plan]


def test_unknown_or_misplaced_profiles_are_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match="known: zendesk-team"):
        SandboxOptions(zendesk_profile="zendesk-platinum")
    with pytest.raises(ValueError, match="is a Freshdesk profile"):
        SandboxOptions(zendesk_profile="freshdesk-pro")
    with pytest.raises(ValueError, match="known: 24/7, office"):
        SandboxOptions(schedule="nights")


def test_an_explicit_plan_overrides_the_profiles_limit() -> None:
    options = SandboxOptions(zendesk_profile="zendesk-team", zendesk_plan="enterprise")
    assert options.limits()["zendesk"] == 700
    assert SandboxOptions(rate_limit=9).limits()["freshdesk"] == 9


# -- agent availability --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "status", "with_status"),
    [
        pytest.param("zendesk-team", 403, False, id="team-forbidden"),
        pytest.param("zendesk-professional", 200, False, id="professional-no-status"),
        pytest.param("zendesk-omnichannel", 200, True, id="omnichannel-status"),
        pytest.param("zendesk-enterprise", 200, True, id="enterprise-status"),
        pytest.param("zendesk-enterprise-classic", 200, False, id="classic-no-status"),
        pytest.param("zendesk-bare", 200, False, id="bare-no-status"),
    ],
)
def test_agent_availabilities_per_profile(
    desks: Desks, name: str, status: int, with_status: bool
) -> None:
    desk = desks(name)
    listed = zd(desk, "/agent_availabilities", params={"page[size]": 2})
    assert listed.status_code == status
    agent_id = min(desk.sandbox.desk.agents)
    one = zd(desk, f"/agent_availabilities/{agent_id}")
    assert one.status_code == status
    if status == 403:
        assert listed.json()["error"]["title"] == "Forbidden"
        return
    body = listed.json()
    assert len(body["data"]) == 2 and body["meta"]["has_more"] is True
    record = one.json()["data"]
    assert record["type"] == "agent_availabilities"
    assert record["id"] == f"agent_availabilities|{agent_id}"
    assert set(record["attributes"]) >= {"agent_id", "group_ids", "skills", "version"}
    assert ("agent_status" in record["attributes"]) is with_status
    assert bool(record["attributes"]["skills"]) is desk.zendesk_profile.skills_api


def test_omnichannel_status_follows_the_agent(desks: Desks) -> None:
    desk = desks("zendesk-omnichannel")
    agent_id = max(desk.sandbox.desk.agents)
    desk.set_availability(agent_id, False)
    try:
        record = zd(desk, f"/agent_availabilities/{agent_id}").json()["data"]["attributes"]
        assert record["agent_status"]["id"] == 2 and record["agent_status"]["name"] == "offline"
        assert record["version"] == 2
    finally:
        desk.set_availability(agent_id, True)
    record = zd(desk, f"/agent_availabilities/{agent_id}").json()["data"]["attributes"]
    assert record["agent_status"]["name"] == "online" and record["version"] == 3


def test_an_unknown_agent_is_a_json_api_404(desks: Desks) -> None:
    response = zd(desks("zendesk-professional"), "/agent_availabilities/42")
    assert response.status_code == 404 and response.json()["errors"][0]["status"] == "404"


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        pytest.param("zendesk-professional", {"deskroute_skills", "deskroute_away"}, id="fields"),
        pytest.param("zendesk-omnichannel", {"deskroute_skills", "deskroute_away"}, id="omni"),
        pytest.param("zendesk-bare", set(), id="bare-none"),
    ],
)
def test_user_fields_exist_as_the_profile_says(desks: Desks, name: str, fields: set[str]) -> None:
    desk = desks(name)
    agent_id = min(desk.sandbox.desk.agents)
    desk.set_availability(agent_id, False)
    try:
        user = zd(desk, f"/users/{agent_id}.json").json()["user"]
    finally:
        desk.set_availability(agent_id, True)
    assert set(user["user_fields"]) == fields
    if fields:
        # the away marker shows an agent's absence only where omnichannel does not
        assert user["user_fields"]["deskroute_away"] is (not desk.zendesk_profile.omnichannel)
        assert ":" in user["user_fields"]["deskroute_skills"]


# -- skills API ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in PAIRS])
@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/routing/attributes", id="attributes"),
        pytest.param("/routing/attributes.json", id="attributes-json"),
        pytest.param("/routing/agents/instance_values?filter[agent_ids]=1", id="many-agents"),
        pytest.param("/routing/requirements/fulfilled?ticket_ids=1", id="unserved-path"),
    ],
)
def test_the_skills_api_answers_only_on_enterprise(desks: Desks, name: str, path: str) -> None:
    response = zd(desks(name), path)
    if not PROFILES[name].skills_api:  # type: ignore[union-attr]
        body = response.json()
        assert response.status_code == 403 and list(body) == ["error"]
        assert body["error"]["title"] == "Forbidden" and body["error"]["message"]
    else:
        assert response.status_code in (200, 404)


def test_skills_as_routing_attributes(desks: Desks) -> None:
    desk = desks("zendesk-enterprise")
    body = zd(desk, "/routing/attributes.json", params={"include": "attribute_values"}).json()
    (attribute,) = body["attributes"]
    assert attribute["name"] == "Skills" and attribute["url"].endswith(".json")
    names = {value["name"] for value in body["attribute_values"]}
    assert {"billing", "orders", "shipping", "accounts", "general"} <= names
    values = zd(desk, f"/routing/attributes/{attribute['id']}/values").json()
    assert {v["name"] for v in values["attribute_values"]} == names
    assert all(v["attribute_id"] == attribute["id"] for v in values["attribute_values"])
    assert zd(desk, "/routing/attributes/nope/values.json").status_code == 404


def test_agents_skills_one_and_many(desks: Desks) -> None:
    desk = desks("zendesk-enterprise-classic")
    agents = sorted(desk.sandbox.desk.agents.values(), key=lambda a: a.id)
    one = zd(desk, f"/routing/agents/{agents[0].id}/instance_values.json").json()
    assert {v["name"] for v in one["attribute_values"]} == set(agents[0].skills)
    ids = ",".join(str(a.id) for a in agents)
    page = zd(
        desk, "/routing/agents/instance_values", params={"filter[agent_ids]": ids, "page[size]": 3}
    ).json()
    assert len(page["instance_values"]) == 3 and page["meta"]["has_more"]
    assert set(page["instance_values"][0]) == {
        "id",
        "agent_id",
        "attribute_id",
        "attribute_value_id",
        "name",
        "url",
        "created_at",
        "updated_at",
    }
    rows = list(page["instance_values"])
    while page["meta"]["has_more"]:
        page = requests.get(
            page["links"]["next"], timeout=5, auth=(f"{desk.email}/token", desk.api_token)
        ).json()
        rows += page["instance_values"]
    assert sorted((r["agent_id"], r["name"]) for r in rows) == sorted(
        (a.id, name) for a in agents for name in a.skills
    )


@pytest.mark.parametrize(
    ("query", "status"),
    [
        pytest.param({}, 400, id="filter-missing"),
        pytest.param(
            {"filter[agent_ids]": ",".join(str(i) for i in range(101))}, 400, id="more-than-100"
        ),
        pytest.param({"filter[agent_ids]": "1,x"}, 400, id="not-numeric"),
        pytest.param({"filter[agent_ids]": "1,2"}, 200, id="unknown-agents-none"),
    ],
)
def test_many_agents_filter(desks: Desks, query: dict[str, str], status: int) -> None:
    response = zd(desks("zendesk-enterprise"), "/routing/agents/instance_values", params=query)
    assert response.status_code == status
    if status == 400:
        assert response.json()["error"]["title"] == "Invalid attribute"


def test_tickets_get_their_groups_skill_and_can_be_given_others(desks: Desks) -> None:
    desk = desks("zendesk-enterprise")
    store = desk.sandbox.desk
    ticket = store.create_ticket(
        "customer", subject="s", description="d", tags=["invoice", "get_invoice"]
    )
    values = zd(desk, f"/routing/tickets/{ticket.id}/instance_values").json()
    assert [v["name"] for v in values["attribute_values"]] == ["billing"]
    catalog = {
        v["name"]: v["id"]
        for v in zd(desk, "/routing/attributes", params={"include": "attribute_values"}).json()[
            "attribute_values"
        ]
    }
    posted = zd(
        desk,
        f"/routing/tickets/{ticket.id}/instance_values.json",
        "POST",
        json={"attribute_value_ids": [catalog["orders"], "not-a-skill"]},
    )
    assert [v["name"] for v in posted.json()["attribute_values"]] == ["orders"]
    assert zd(desk, "/routing/tickets/999999/instance_values").status_code == 404
    bad = zd(desk, f"/routing/tickets/{ticket.id}/instance_values", "POST", json={})
    assert bad.status_code == 400


def test_without_the_skills_api_tickets_carry_no_skills(desks: Desks) -> None:
    desk = desks("zendesk-omnichannel")
    assert desk.sandbox.skills.ticket_skills(desk.sandbox.desk.ticket(1)).names == ()


# -- schedules -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "count"),
    [
        pytest.param("zendesk-team", 0, id="team-none"),
        pytest.param("zendesk-professional", 1, id="professional-one"),
        pytest.param("zendesk-enterprise", 3, id="enterprise-several"),
        pytest.param("zendesk-bare", 0, id="bare-none"),
    ],
)
def test_schedules_per_profile(desks: Desks, name: str, count: int) -> None:
    desk = desks(name)
    listed = zd(desk, "/business_hours/schedules.json")
    if count == 0:
        assert listed.status_code == 403
        assert zd(desk, "/business_hours/schedules/7000000.json").status_code == 403
        return
    schedules = listed.json()["schedules"]
    assert len(schedules) == count
    first = schedules[0]
    assert first["time_zone"] == "UTC" and len(first["intervals"]) == 7  # 24/7, day by day
    shown = zd(desk, f"/business_hours/schedules/{first['id']}").json()["schedule"]
    assert shown == first
    assert zd(desk, f"/business_hours/schedules/{first['id']}/holidays.json").json() == {
        "holidays": []
    }
    assert zd(desk, "/business_hours/schedules/1.json").status_code == 404


def test_office_hours_are_weekdays_nine_to_five_in_berlin() -> None:
    with start_sandbox(agents=1, schedule="office", zendesk_profile="zendesk-omnichannel") as desk:
        (schedule,) = zd(desk, "/business_hours/schedules").json()["schedules"]
        assert schedule["time_zone"] == "Berlin"
        assert schedule["intervals"][0] == {"start_time": 1980, "end_time": 2460}  # Mon 9-17
        assert len(schedule["intervals"]) == 5
        holidays = zd(desk, f"/business_hours/schedules/{schedule['id']}/holidays").json()
        assert {h["start_date"][5:] for h in holidays["holidays"]} >= {"01-01", "12-25"}


# -- Freshdesk skills ----------------------------------------------------------------------
@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in FACES])
def test_freshdesk_skills_only_on_plans_that_have_them(desks: Desks, name: str) -> None:
    desk = desks(name)
    found = PROFILES[name]
    assert isinstance(found, FreshdeskProfile)
    skills = fd(desk, "/admin/skills")
    agents = [a for a in fd(desk, "/agents").json() if a["id"] in desk.sandbox.desk.agents]
    if found.skills:
        assert skills.status_code == 200 and skills.json()
        assert all(agent["skill_ids"] for agent in agents)
    else:
        assert skills.status_code == 403 and skills.json()["code"] == "require_feature"
        assert all(agent["skill_ids"] == [] for agent in agents)

"""Finding a person's change that raced our bulk write, in a ticket's audits (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.zendesk import audits
from tests.connectors.zendesk.payloads import audit

ME, PERSON, OUR_AGENT, THEIR_AGENT = 99, 7, 1903456789001, 1903456789002
READ_AT = datetime(2024, 2, 12, 9, 20, tzinfo=UTC)
CREATED = audit(5, "2024-02-12T09:19:00Z", audit_id=1)


def find(trail: list[dict]) -> audits.Overwrite | None:
    return audits.find_overwrite("1", trail, me=str(ME), agent_id=str(OUR_AGENT), read_at=READ_AT)


def test_a_person_assigning_between_our_read_and_our_write_is_found() -> None:
    trail = [
        CREATED,
        audit(PERSON, "2024-02-12T09:20:30Z", assignee=(None, THEIR_AGENT), audit_id=2),
        audit(
            ME,
            "2024-02-12T09:20:45Z",
            assignee=(THEIR_AGENT, OUR_AGENT),
            group=(360001, 360002),
            audit_id=3,
        ),
    ]
    found = find(trail)
    assert found is not None
    assert found.restore == {"assignee_id": THEIR_AGENT, "group_id": 360001}
    assert found.person == str(PERSON)
    assert found.stamp == datetime(2024, 2, 12, 9, 20, 45, tzinfo=UTC)


@pytest.mark.parametrize(
    "trail",
    [
        pytest.param(
            [CREATED, audit(ME, "2024-02-12T09:20:45Z", assignee=(None, OUR_AGENT))],
            id="nobody-else",
        ),
        pytest.param(
            [
                CREATED,
                audit(PERSON, "2024-02-12T09:19:30Z", group=(None, 360001)),
                audit(ME, "2024-02-12T09:20:45Z", assignee=(None, OUR_AGENT)),
            ],
            id="their-change-was-before-our-read",
        ),
        pytest.param(
            [
                CREATED,
                audit(5, "2024-02-12T09:20:30Z"),
                audit(ME, "2024-02-12T09:20:45Z", assignee=(None, OUR_AGENT)),
            ],
            id="a-comment-is-no-taking",
        ),
        pytest.param(
            [
                CREATED,
                audit(ME, "2024-02-12T09:20:45Z", assignee=(None, OUR_AGENT)),
                audit(PERSON, "2024-02-12T09:21:30Z", assignee=(OUR_AGENT, THEIR_AGENT)),
            ],
            id="they-moved-it-after-us",
        ),
        pytest.param(
            [CREATED, audit(PERSON, "2024-02-12T09:20:30Z", assignee=(None, THEIR_AGENT))],
            id="our-write-never-landed",
        ),
    ],
)
def test_no_overwrite(trail: list[dict]) -> None:
    assert find(trail) is None


def test_work_on_the_ticket_after_our_write_still_puts_the_person_back() -> None:
    """The agent we wrote solving or answering the ticket does not settle who owns it: the
    put-back is guarded by the ticket's latest audit, not by ours."""
    trail = [
        CREATED,
        audit(PERSON, "2024-02-12T09:20:30Z", assignee=(None, THEIR_AGENT), audit_id=2),
        audit(ME, "2024-02-12T09:20:45Z", assignee=(THEIR_AGENT, OUR_AGENT), audit_id=3),
        audit(OUR_AGENT, "2024-02-12T09:20:47Z", audit_id=4),
    ]
    found = find(trail)
    assert found is not None and found.restore == {"assignee_id": THEIR_AGENT}
    assert found.stamp == datetime(2024, 2, 12, 9, 20, 47, tzinfo=UTC)


def test_a_new_owner_decision_after_our_write_leaves_nothing_to_put_back() -> None:
    trail = [
        CREATED,
        audit(PERSON, "2024-02-12T09:20:30Z", assignee=(None, THEIR_AGENT), audit_id=2),
        audit(ME, "2024-02-12T09:20:45Z", assignee=(THEIR_AGENT, OUR_AGENT), audit_id=3),
        audit(5, "2024-02-12T09:21:00Z", assignee=(OUR_AGENT, THEIR_AGENT), audit_id=4),
    ]
    found = find(trail)
    assert found is not None and found.restore == {} and found.person == str(PERSON)


def test_a_person_who_chose_the_same_agent_owns_the_ticket() -> None:
    """Our write then changed nothing and left no change of ours in the audits."""
    trail = [
        CREATED,
        audit(PERSON, "2024-02-12T09:20:30Z", assignee=(None, OUR_AGENT), audit_id=2),
        audit(ME, "2024-02-12T09:20:45Z", audit_id=3),
    ]
    found = find(trail)
    assert found is not None and found.restore == {} and found.person == str(PERSON)


def test_without_the_time_we_read_nothing_can_be_told() -> None:
    trail = [
        audit(PERSON, "2024-02-12T09:20:30Z", assignee=(None, THEIR_AGENT)),
        audit(ME, "2024-02-12T09:20:45Z", assignee=(THEIR_AGENT, OUR_AGENT)),
    ]
    assert (
        audits.find_overwrite("1", trail, me=str(ME), agent_id=str(OUR_AGENT), read_at=None) is None
    )


def test_putting_back_is_guarded_by_the_stamp_of_our_write_and_explained() -> None:
    overwrite = audits.Overwrite(
        ticket_id="1",
        restore={"assignee_id": THEIR_AGENT},
        person=str(PERSON),
        stamp=datetime(2024, 2, 12, 9, 20, 45, tzinfo=UTC),
    )
    body = audits.restore_body(overwrite)["ticket"]
    assert body["assignee_id"] == THEIR_AGENT
    assert body["safe_update"] is True and body["updated_stamp"] == "2024-02-12T09:20:45Z"
    assert body["comment"]["public"] is False and "put back" in body["comment"]["body"]


@pytest.mark.parametrize(
    ("before", "after", "suspect"),
    [
        pytest.param(audits.Stations(0, 1), audits.Stations(1, 1), False, id="only-our-assignment"),
        pytest.param(
            audits.Stations(0, 0), audits.Stations(1, 1), False, id="our-assignment-and-our-group"
        ),
        pytest.param(
            audits.Stations(0, 1), audits.Stations(2, 1), True, id="someone-assigned-it-too"
        ),
        pytest.param(
            audits.Stations(1, 1), audits.Stations(2, 3), True, id="someone-moved-the-group-too"
        ),
        pytest.param(None, audits.Stations(1, 1), False, id="first-assignment-unknown-before"),
        pytest.param(None, audits.Stations(2, 1), True, id="assigned-before-unknown-when"),
        pytest.param(audits.Stations(0, 1), None, True, id="no-metric-set-after"),
    ],
)
def test_the_metric_sets_say_when_the_audits_must_be_read(
    before: audits.Stations | None, after: audits.Stations | None, suspect: bool
) -> None:
    assert audits.suspect(before, after) is suspect


def test_stations_come_from_a_metric_set_that_carries_them() -> None:
    assert audits.stations_of({"assignee_stations": 2, "group_stations": 1}) == audits.Stations(
        2, 1
    )
    assert audits.stations_of({"id": 5}) is None and audits.stations_of(None) is None

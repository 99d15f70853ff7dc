"""The ticket state machine: where each new version of a ticket puts it (a table)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from router.model import Ticket
from sidecar import lifecycle as lc
from sidecar.lifecycle import Known, next_state, reopened, version_of
from tests.sidecar.fakes import T0


def version(assignee: str | None = None, status: str | None = None) -> Ticket:
    fields = {} if status is None else {"custom_fields": {"status": status}}
    return Ticket(id="1", created_at=T0, updated_at=T0, assignee=assignee, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("known", "ticket", "state"),
    [
        pytest.param(None, version(), lc.PENDING, id="new-unassigned"),
        pytest.param(None, version("ann"), lc.HUMAN, id="new-already-owned"),
        pytest.param(None, version(status="solved"), lc.CLOSED, id="new-solved"),
        pytest.param(Known(lc.WAITING, None, None), version(), lc.WAITING, id="waiting-stays"),
        pytest.param(Known(lc.WAITING, None, None), version("bob"), lc.HUMAN,
                     id="waiting-taken-by-a-human"),
        pytest.param(Known(lc.ROUTED, None, "ann"), version("bob"), lc.ROUTED,
                     id="routed-left-to-the-writer"),
        pytest.param(Known(lc.ASSIGNED, None, "ann"), version("ann"), lc.ASSIGNED,
                     id="echo-of-our-write"),
        pytest.param(Known(lc.ASSIGNED, None, "ann"), version("bob"), lc.HUMAN,
                     id="human-reassigned"),
        pytest.param(Known(lc.ASSIGNED, None, "ann"), version(), lc.PENDING,
                     id="human-unassigned"),
        pytest.param(Known(lc.CLOSED, "solved", None), version("ann", "open"), lc.REOPENED,
                     id="reopened-with-assignee"),
        pytest.param(Known(lc.ASSIGNED, "pending", "ann"), version("ann", "open"), lc.REOPENED,
                     id="customer-answered"),
        pytest.param(Known(lc.CLOSED, "solved", None), version(None, "open"), lc.PENDING,
                     id="reopened-unassigned"),
        pytest.param(Known(lc.PARKED, None, None), version(), lc.PENDING, id="parked-retried"),
        pytest.param(Known(lc.SHADOW, None, "ann"), version("bob"), lc.SHADOW,
                     id="shadow-keeps-its-decision"),
    ],
)  # fmt: skip
def test_next_state(known: Known | None, ticket: Ticket, state: str) -> None:
    assert next_state(known, ticket) == state


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        pytest.param("solved", "open", True, id="solved-to-open"),
        pytest.param("pending", "open", True, id="pending-to-open"),
        pytest.param("open", "open", False, id="still-open"),
        pytest.param("solved", "closed", False, id="closed-for-good"),
        pytest.param(None, "open", False, id="unknown-before"),
    ],
)
def test_reopened(before: str | None, after: str | None, expected: bool) -> None:
    assert reopened(before, after) is expected


@given(st.sampled_from([lc.ROUTED, lc.SHADOW]), st.one_of(st.none(), st.text(max_size=5)))
def test_a_decided_ticket_waits_for_its_writer_whatever_arrives(
    state: lc.TicketState, who: str | None
) -> None:
    ticket = version(who.strip() or None if who else None)
    assert next_state(Known(state, None, "ann"), ticket) == state


@given(st.integers(min_value=-720, max_value=720))
def test_versions_are_keyed_in_utc_whatever_the_offset(minutes: int) -> None:
    from datetime import timezone

    zone = timezone(timedelta(minutes=minutes))
    local = Ticket(id="1", created_at=T0, updated_at=T0.astimezone(zone))
    assert version_of(local) == version_of(version())


STATUSES = st.sampled_from([None, "new", "open", "pending", "hold", "solved", "closed"])


@given(
    state=st.sampled_from(list(lc.TicketState)),
    before=STATUSES,
    after=STATUSES,
    our_agent=st.sampled_from([None, "ann"]),
    assignee=st.sampled_from([None, "ann", "bob"]),
)
def test_every_new_version_moves_a_ticket_only_as_the_transitions_allow(
    state: lc.TicketState,
    before: str | None,
    after: str | None,
    our_agent: str | None,
    assignee: str | None,
) -> None:
    wanted = next_state(Known(state, before, our_agent), version(assignee, after))
    assert lc.allowed(state, wanted), f"{state} -> {wanted}"


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        pytest.param(lc.SHADOW, lc.ROUTED, id="a-dry-run-decision-is-never-written"),
        pytest.param(lc.HUMAN, lc.ROUTED, id="a-persons-ticket-is-never-decided"),
        pytest.param(lc.HUMAN, lc.ASSIGNED, id="nor-recorded-as-ours"),
        pytest.param(lc.PARKED, lc.ROUTED, id="a-parked-ticket-waits-for-a-new-version"),
        pytest.param(lc.ROUTED, lc.WAITING, id="a-routed-ticket-waits-for-its-writer"),
    ],
)
def test_moves_the_lifecycle_refuses(current: lc.TicketState, wanted: lc.TicketState) -> None:
    assert not lc.allowed(current, wanted)
    with pytest.raises(lc.TransitionError, match=f"{current} cannot become {wanted}"):
        lc.move("7", current, wanted)


def test_the_states_keep_the_values_the_store_holds() -> None:
    assert [state.value for state in lc.TicketState] == [
        "pending", "waiting", "routed", "assigned", "human", "reopened", "shadow", "parked",
        "closed",
    ]  # fmt: skip

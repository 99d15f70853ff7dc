"""The Freshdesk polling cursor: the 300-page wall, duplicates at the seam, no endless loop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from connectors.freshdesk.cursor import PAGE_WALL, FreshdeskCursor

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def row(ticket_id: int, second: int) -> dict:
    return {
        "id": ticket_id,
        "updated_at": (T0 + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def key(ticket_id: int, second: int) -> str:
    return f"{ticket_id}@{row(ticket_id, second)['updated_at']}"


def test_encode_decode_round_trip() -> None:
    cursor = FreshdeskCursor(since=T0, page=7, seen=frozenset({key(1, 0)}), tail=T0)
    assert FreshdeskCursor.decode(cursor.encode()) == cursor


def test_a_cursor_stored_by_the_earlier_version_still_reads() -> None:
    old = '{"since":"2024-03-01T08:00:09Z","page":1,"seen":["2","3"],"tail":null,"tail_ids":[]}'
    cursor = FreshdeskCursor.decode(old)
    assert cursor.seen == {key(2, 9), key(3, 9)}
    assert [r["id"] for r in cursor.unseen([row(2, 9), row(4, 9)])] == [4]


def test_restart_past_the_wall_moves_updated_since_to_just_before_the_newest_row() -> None:
    cursor = FreshdeskCursor(since=T0, page=PAGE_WALL).absorb([row(1, 5), row(2, 9), row(3, 9)])
    after = cursor.restart()
    assert after.since == T0 + timedelta(seconds=6) and after.page == 1
    assert after.seen == {key(2, 9), key(3, 9)}  # 1 (second 5) is before the new start


def test_rows_read_again_in_the_overlap_are_dropped_once() -> None:
    cursor = FreshdeskCursor(
        since=T0 + timedelta(seconds=6), seen=frozenset({key(2, 9), key(3, 9)})
    )
    again = [row(2, 9), row(3, 9), row(4, 9), row(5, 12)]
    assert [r["id"] for r in cursor.unseen(again)] == [4, 5]


def test_a_later_update_of_a_seen_ticket_is_kept() -> None:
    cursor = FreshdeskCursor(since=T0, seen=frozenset({key(2, 0)}))
    assert cursor.unseen([row(2, 30)]) == [row(2, 30)]


def test_after_a_page_the_listing_restarts_from_just_before_its_newest_second() -> None:
    cursor = FreshdeskCursor(since=T0).absorb([row(1, 3), row(2, 10)])
    after = cursor.resume()
    assert (after.since, after.page) == (T0 + timedelta(seconds=7), 1)
    crowded = FreshdeskCursor(since=T0).absorb([row(1, 1), row(2, 2)])
    assert crowded.resume().page == 2  # restarting would not move on: next page


def test_a_wall_full_of_one_second_steps_past_it_instead_of_looping() -> None:
    cursor = FreshdeskCursor(since=T0, page=PAGE_WALL).absorb([row(i, 0) for i in range(100)])
    after = cursor.restart()
    assert after.since == T0 + timedelta(seconds=1) and after.page == 1


def test_tail_is_carried_across_pages() -> None:
    first = FreshdeskCursor(since=T0).absorb([row(1, 3), row(2, 4)])
    second = first.next_page().absorb([row(3, 4)])
    assert second.tail == T0 + timedelta(seconds=4)
    assert second.seen == {key(1, 3), key(2, 4), key(3, 4)} and second.page == 2


@given(st.lists(st.integers(0, 50), min_size=1, max_size=400), st.integers(2, 7))
def test_paging_with_a_small_wall_loses_and_duplicates_nothing(
    seconds: list[int], wall: int
) -> None:
    rows = sorted(
        (row(i, s) for i, s in enumerate(seconds)), key=lambda r: (r["updated_at"], r["id"])
    )
    cursor, delivered = FreshdeskCursor(since=T0 - timedelta(seconds=1)), []
    for _ in range(10_000):
        listing = [
            r for r in rows if r["updated_at"] >= cursor.since.strftime("%Y-%m-%dT%H:%M:%SZ")
        ]
        page = listing[(cursor.page - 1) * 3 : cursor.page * 3]
        delivered += cursor.unseen(page)
        cursor = cursor.absorb(page)
        if len(listing) <= cursor.page * 3:
            break
        cursor = cursor.resume(wall)
    ids = [r["id"] for r in delivered]
    assert len(ids) == len(set(ids))
    same_second_overflow = max(seconds.count(s) for s in set(seconds)) > 3 * wall
    if not same_second_overflow:
        assert set(ids) == set(range(len(seconds)))


def test_a_change_listed_late_with_an_earlier_stamp_still_comes_through() -> None:
    """Found by the chaos run: a change stamped a second before the newest one read, but
    listed after it, fell behind ``updated_since`` and was never handed out."""
    first = FreshdeskCursor(since=T0).absorb([row(1, 5), row(2, 9)]).restart()
    late = [row(1, 5), row(2, 9), row(3, 8)]  # 3 became visible only now
    listing = [r for r in late if r["updated_at"] >= first.since.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert [r["id"] for r in first.unseen(listing)] == [3]

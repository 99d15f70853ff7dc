"""The client-side token bucket and the rate-limit headers of both vendors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.budget import RateReading, TokenBucket, read_rate_headers
from tests.connectors.fakes import FakeTime


def bucket(
    limit: int = 60, share: float = 0.5, window: float = 60.0
) -> tuple[TokenBucket, FakeTime]:
    time = FakeTime()
    return TokenBucket(
        limit=limit, window=window, share=share, clock=time.clock, sleep=time.sleep
    ), time


@pytest.mark.parametrize(
    ("headers", "reading"),
    [
        pytest.param(
            {
                "X-RateLimit-Total": "700",
                "X-RateLimit-Remaining": "699",
                "X-RateLimit-Used-CurrentRequest": "5",
            },
            RateReading(700, 699, cost=5),
            id="freshdesk",
        ),
        pytest.param(
            {"x-ratelimit-total": "200", "x-ratelimit-remaining": "3"},
            RateReading(200, 3),
            id="freshdesk-lowercase",
        ),
        pytest.param(
            {"X-Rate-Limit": "400", "X-Rate-Limit-Remaining": "12"},
            RateReading(400, 12),
            id="zendesk-documented",
        ),
        pytest.param(
            {"ratelimit-limit": "700", "ratelimit-remaining": "5", "ratelimit-reset": "9"},
            RateReading(700, 5),
            id="zendesk-2024",
        ),
        pytest.param(
            {"rate-limit": "400", "rate-limit-remaining": "40"},
            RateReading(400, 40),
            id="zendesk-2023",
        ),
        pytest.param({"Content-Type": "application/json"}, RateReading(None, None), id="none"),
        pytest.param({"x-rate-limit": "lots"}, RateReading(None, None), id="garbage"),
    ],
)
def test_rate_headers_of_either_vendor(headers: dict[str, str], reading: RateReading) -> None:
    assert read_rate_headers(headers) == reading


def test_bucket_spends_only_its_share_then_waits() -> None:
    tokens, time = bucket(limit=60, share=0.5)
    waits = [tokens.take() for _ in range(30)]
    assert waits == [0.0] * 30 and time.sleeps == []  # a burst of half the limit
    tokens.take()
    assert sum(time.sleeps) == pytest.approx(2.0)  # then 30 per 60 s: one every 2 s


def test_server_remaining_below_our_reserve_drains_the_bucket() -> None:
    tokens, time = bucket(limit=100, share=0.5)
    tokens.observe(RateReading(limit=100, remaining=52))  # others used 48: 2 left for us
    tokens.take()
    tokens.take()
    assert time.sleeps == []
    tokens.take()
    assert time.sleeps


def test_a_request_costing_several_credits_spends_several_tokens() -> None:
    tokens, time = bucket(limit=60, share=0.5)  # burst 30, refill 1 per 2 s
    tokens.take(5)
    assert tokens.left() == pytest.approx(25)
    tokens.charge(3)  # the server said it cost 8
    assert tokens.left() == pytest.approx(22) and time.sleeps == []


def test_a_cost_above_the_burst_waits_for_a_full_bucket_and_leaves_a_debt() -> None:
    tokens, time = bucket(limit=4, share=0.5)  # burst 2, refill 1 per 30 s
    tokens.take(5)
    assert time.sleeps == [] and tokens.left() == 0.0  # 2 - 5: a debt of 3
    tokens.take()
    assert sum(time.sleeps) == pytest.approx(4 * 30)  # the debt and one token, refilled


def test_server_limit_replaces_the_configured_plan() -> None:
    tokens, _ = bucket(limit=400, share=0.5)
    tokens.observe(RateReading(limit=700, remaining=None))
    assert tokens.limit == 700 and tokens.rate == pytest.approx(350 / 60)


def test_drain_after_429_waits_the_retry_after() -> None:
    tokens, time = bucket(limit=60, share=1.0)
    tokens.drain(5.0)
    tokens.take()
    assert sum(time.sleeps) == pytest.approx(5.0)


def test_left_counts_tokens_spent_refilled_and_drained() -> None:
    tokens, time = bucket(limit=60, share=0.5)  # burst 30, refills 0.5 per second
    assert tokens.left() == pytest.approx(30.0)
    for _ in range(10):
        tokens.take()
    assert tokens.left() == pytest.approx(20.0)
    time.now += 4.0
    assert tokens.left() == pytest.approx(22.0)
    tokens.drain(10.0)
    assert tokens.left() == 0.0  # in debt after a 429: nothing left, never negative


@given(st.integers(1, 3000), st.floats(0.05, 1.0), st.integers(1, 400))
def test_never_more_than_the_share_in_any_window(limit: int, share: float, calls: int) -> None:
    tokens, time = bucket(limit=limit, share=share)
    stamps = []
    for _ in range(calls):
        tokens.take()
        stamps.append(time.now)
    for index, start in enumerate(stamps):
        in_window = sum(1 for s in stamps[index:] if s < start + 60.0)
        assert in_window <= max(limit, 1) + 1


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"limit": 0}, id="zero-limit"),
        pytest.param({"share": 0.0}, id="zero-share"),
        pytest.param({"share": 1.5}, id="share-over-one"),
        pytest.param({"window": 0}, id="window"),
    ],
)
def test_bad_bucket_settings_are_refused(kwargs: dict[str, float]) -> None:
    time = FakeTime()
    params = {"limit": 10, "window": 60.0, "share": 0.5} | kwargs
    with pytest.raises(ValueError):
        TokenBucket(**params, clock=time.clock, sleep=time.sleep)  # type: ignore[arg-type]

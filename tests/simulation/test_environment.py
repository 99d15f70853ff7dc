"""The model's SimPy environment: a sorted arrival stream merged with the event queue."""

from __future__ import annotations

import pytest

from simulation.model import ArrivalsEnvironment, Call


def row(number: int, minute: float) -> tuple:
    """An arrival row: only its number and minute matter to the environment."""
    return (number, minute, "cat", "normal", "en", "email", 1.0, float("inf"), None)


def run(arrivals, until: float, setup=lambda env, seen: None) -> list[tuple[str, float]]:
    seen: list[tuple[str, float]] = []
    env = ArrivalsEnvironment(iter(arrivals), lambda r: seen.append((f"arrival {r[0]}", env.now)))
    setup(env, seen)
    env.run(until=until)
    return seen


def test_arrivals_and_events_interleave_in_time_order():
    def setup(env, seen):
        Call(env, 1.5, "a", lambda e: seen.append((f"call {e.payload}", env.now)))
        Call(env, 3.5, "b", lambda e: seen.append((f"call {e.payload}", env.now)))

    assert run([row(1, 1.0), row(2, 2.0), row(3, 4.0)], 10, setup) == [
        ("arrival 1", 1.0), ("call a", 1.5), ("arrival 2", 2.0), ("call b", 3.5),
        ("arrival 3", 4.0),
    ]


def test_an_event_due_at_the_same_minute_as_an_arrival_goes_first():
    def setup(env, seen):
        Call(env, 2.0, "sweep", lambda e: seen.append((f"call {e.payload}", env.now)))

    assert run([row(1, 2.0)], 10, setup) == [("call sweep", 2.0), ("arrival 1", 2.0)]


def test_arrivals_after_the_horizon_never_arrive():
    assert run([row(1, 1.0), row(2, 9.0)], 5) == [("arrival 1", 1.0)]


def test_an_arrival_stamped_in_the_past_arrives_now():
    def setup(env, seen):
        Call(env, 3.0, "x", lambda e: seen.append((f"call {e.payload}", env.now)))

    # the second row is out of order (a replayed export need not be sorted)
    assert run([row(1, 4.0), row(2, 3.5)], 10, setup) == [
        ("call x", 3.0), ("arrival 1", 4.0), ("arrival 2", 4.0),
    ]


def test_ordinary_simpy_processes_still_run_alongside():
    def setup(env, seen):
        def ticker():
            while True:
                yield env.timeout(2.0)
                seen.append(("tick", env.now))

        env.process(ticker())

    assert run([row(1, 1.0), row(2, 3.0)], 5, setup) == [
        ("arrival 1", 1.0), ("tick", 2.0), ("arrival 2", 3.0), ("tick", 4.0),
    ]


def test_a_failing_simpy_event_still_crashes_the_run():
    def setup(env, seen):
        env.timeout(1.0).callbacks.append(lambda e: env.event().fail(RuntimeError("boom")))

    with pytest.raises(RuntimeError, match="boom"):
        run([row(1, 5.0)], 10, setup)


def test_a_negative_delay_is_refused():
    env = ArrivalsEnvironment(iter(()), lambda r: None)
    with pytest.raises(ValueError, match="negative delay"):
        Call(env, -1.0, None, lambda e: None)

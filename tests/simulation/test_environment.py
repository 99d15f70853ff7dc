"""The model's SimPy environment: a sorted arrival stream and timers merged with SimPy's queue."""

from __future__ import annotations

import pytest
import simpy

from simulation.environment import SIMPY_VERSIONS, ArrivalsEnvironment, check_simpy
from simulation.traffic import Arrival


def row(number: int, minute: float) -> Arrival:
    """An arrival: only its number and minute matter to the environment."""
    return Arrival(number, minute, "cat", "normal", "en", "email", 1.0, float("inf"), None)


def test_the_installed_simpy_is_one_the_adapter_was_written_for():
    check_simpy()  # on failure it names the installed and the supported versions
    assert simpy.__version__ in SIMPY_VERSIONS


def test_an_unknown_simpy_version_is_refused_with_the_supported_ones_named():
    with pytest.raises(RuntimeError, match=r"SimPy 4\.2\.0 is installed.*SimPy 4\.1\.2"):
        check_simpy("4.2.0")


def run(arrivals, until: float, setup=lambda env, seen: None) -> list[tuple[str, float]]:
    seen: list[tuple[str, float]] = []
    env = ArrivalsEnvironment(
        iter(arrivals), lambda r: seen.append((f"arrival {r.number}", env.now))
    )
    setup(env, seen)
    env.run(until=until)
    return seen


def test_arrivals_and_events_interleave_in_time_order():
    def setup(env, seen):
        env.call_later(1.5, lambda p: seen.append((f"call {p}", env.now)), "a")
        env.call_later(3.5, lambda p: seen.append((f"call {p}", env.now)), "b")

    assert run([row(1, 1.0), row(2, 2.0), row(3, 4.0)], 10, setup) == [
        ("arrival 1", 1.0),
        ("call a", 1.5),
        ("arrival 2", 2.0),
        ("call b", 3.5),
        ("arrival 3", 4.0),
    ]


def test_an_event_due_at_the_same_minute_as_an_arrival_goes_first():
    def setup(env, seen):
        env.call_later(2.0, lambda p: seen.append((f"call {p}", env.now)), "sweep")

    assert run([row(1, 2.0)], 10, setup) == [("call sweep", 2.0), ("arrival 1", 2.0)]


def test_arrivals_after_the_horizon_never_arrive():
    assert run([row(1, 1.0), row(2, 9.0)], 5) == [("arrival 1", 1.0)]


def test_an_arrival_stamped_in_the_past_arrives_now():
    def setup(env, seen):
        env.call_later(3.0, lambda p: seen.append((f"call {p}", env.now)), "x")

    # the second row is out of order (a replayed export need not be sorted)
    assert run([row(1, 4.0), row(2, 3.5)], 10, setup) == [
        ("call x", 3.0),
        ("arrival 1", 4.0),
        ("arrival 2", 4.0),
    ]


def test_ordinary_simpy_processes_still_run_alongside():
    def setup(env, seen):
        def ticker():
            while True:
                yield env.timeout(2.0)
                seen.append(("tick", env.now))

        env.process(ticker())

    assert run([row(1, 1.0), row(2, 3.0)], 5, setup) == [
        ("arrival 1", 1.0),
        ("tick", 2.0),
        ("arrival 2", 3.0),
        ("tick", 4.0),
    ]


def test_a_failing_simpy_event_still_crashes_the_run():
    def setup(env, seen):
        env.timeout(1.0).callbacks.append(lambda e: env.event().fail(RuntimeError("boom")))

    with pytest.raises(RuntimeError, match="boom"):
        run([row(1, 5.0)], 10, setup)


def test_a_negative_delay_is_refused():
    env = ArrivalsEnvironment(iter(()), lambda r: None)
    with pytest.raises(ValueError, match="negative delay"):
        env.call_later(-1.0, lambda p: None, None)


def test_timers_due_at_the_same_time_run_in_the_order_they_were_set():
    def setup(env, seen):
        for name in ("first", "second", "third"):
            env.call_later(2.0, lambda p: seen.append((p, env.now)), name)

    assert run([], 5, setup) == [("first", 2.0), ("second", 2.0), ("third", 2.0)]


def test_the_run_stops_at_until_before_what_is_due_then():
    seen: list[tuple[str, float]] = []
    env = ArrivalsEnvironment(iter([row(1, 5.0)]), lambda r: seen.append(("arrival", env.now)))
    env.call_later(5.0, lambda p: seen.append(("timer", env.now)), None)
    env.run(until=5.0)
    assert (seen, env.now) == ([], 5.0)
    env.run(until=6.0)  # resumes where it stopped
    assert seen == [("timer", 5.0), ("arrival", 5.0)]


def test_an_event_as_until_stops_the_run_and_returns_its_value():
    env = ArrivalsEnvironment(iter([row(1, 1.0), row(2, 9.0)]), lambda r: None)
    done = env.timeout(4.0, value="done")
    assert env.run(until=done) == "done"
    assert env.now == 4.0
    assert env.run(until=done) == "done"  # already processed: returns at once


def test_step_processes_one_thing_at_a_time():
    seen: list[str] = []
    env = ArrivalsEnvironment(iter([row(1, 1.0), row(2, 3.0)]), lambda r: seen.append(f"a{r[0]}"))
    env.call_later(2.0, seen.append, "timer")
    for expected in (["a1"], ["a1", "timer"], ["a1", "timer", "a2"]):
        env.step()
        assert seen == expected


def test_running_out_of_work_ends_a_run_without_until_and_fails_one_with_it():
    env = ArrivalsEnvironment(iter([row(1, 1.0)]), lambda r: None)
    assert env.run() is None and env.now == 1.0
    env = ArrivalsEnvironment(iter([row(1, 1.0)]), lambda r: None)
    done = env.event()  # never triggered
    with pytest.raises(RuntimeError, match="nothing left"):
        env.run(until=done)
    with pytest.raises(ValueError, match="greater than the current time"):
        env.run(until=0.5)

"""The model's SimPy environment: arrivals merged into the event queue, and light timers.

This module is the simulator's one adapter to SimPy's internals (its event queue
``_queue``, clock ``_now``, entry counter ``_eid`` and an event's ``_ok``/``_value``):
nothing else in the project touches them. It was written for the SimPy versions in
``SIMPY_VERSIONS`` (pinned in pyproject.toml); ``check_simpy`` says clearly when another
one is installed, and a test runs it.

A simulated ticket costs a few microseconds, so the two things the model does per ticket
skip SimPy's generic machinery while keeping its clock, queue and run semantics:

- **Arrivals** are known in advance and come sorted. Instead of scheduling each as an event
  (an allocation, a heap push and a heap pop per ticket) the environment merges the stream
  with its event queue: the next arrival is handed to ``on_arrival`` when it is due
  strictly before the next queued entry (an entry due at the same time goes first).
- **Timers** (``call_later``) are entries in SimPy's own queue whose payload is a
  ``(callback, argument)`` pair instead of an ``Event``: no event object, no callback
  list, and the loop calls ``callback(argument)`` directly. They never fail and nothing
  waits on them; anything that needs an event (processes, ``timeout``) uses SimPy's own,
  which run alongside as always.

``run`` inlines ``step`` into its loop. The clock never moves back: an arrival stamped
earlier than now (a replayed export need not be sorted) arrives now. Hot paths read the
clock as ``minute``, a plain attribute the loop keeps equal to ``now``.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import EmptySchedule, SimTime, StopSimulation
from simpy.events import NORMAL, URGENT

from simulation.traffic import Arrival

SIMPY_VERSIONS = ("4.1.2",)
"""The SimPy releases whose internals this module was written for and tested with."""


def check_simpy(version: str = simpy.__version__) -> None:
    """Raise a ``RuntimeError`` naming the versions this adapter supports unless ``version``
    is one of them."""
    if version not in SIMPY_VERSIONS:
        raise RuntimeError(
            f"SimPy {version} is installed, but simulation/environment.py reaches into SimPy's "
            f"internals as they are in SimPy {' and '.join(SIMPY_VERSIONS)}; install one of "
            "those (pyproject.toml pins them) or check the adapter against this release"
        )


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a run (reference counting still frees everything).

    A run allocates millions of small objects and keeps every record; the cycle collector
    would scan that growing heap again and again (a quarter of the run time at 200,000
    tickets), while the model creates no reference cycles it relies on it to free. Any there
    are get collected as usual once it resumes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


NO_MORE = Arrival(-1, math.inf, "", "", "", "", 0.0, math.inf, None)
"""Stands for the next arrival once the stream has run out: due after everything else."""


class ArrivalsEnvironment(simpy.Environment):
    """A SimPy environment that also walks a time-ordered stream of arrivals, with timers."""

    def __init__(self, arrivals: Iterator[Arrival], on_arrival: Callable[[Arrival], None]) -> None:
        super().__init__()
        self._arrivals, self._on_arrival = arrivals, on_arrival
        self._upcoming: Arrival = next(arrivals, NO_MORE)
        self.minute: float = self._now
        """The clock as a plain attribute: what ``now`` returns, without the property call
        (the model reads it several times per ticket)."""

    def call_later(self, delay: float, callback: Callable[[Any], None], argument: Any) -> None:
        """Call ``callback(argument)`` ``delay`` time units from now (after any entry already
        queued for that same time)."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        queue: list[Any] = self._queue  # SimPy's entries, some of them timers
        heappush(queue, (self._now + delay, NORMAL, next(self._eid), (callback, argument)))

    def step(self) -> None:
        """Process the next arrival, timer or event, whichever is due first."""
        self._steps(once=True)

    def run(self, until: SimTime | simpy.Event | None = None) -> Any:
        """Run until ``until`` (a time or an event) or until nothing is left, as
        ``simpy.Environment.run`` does; returns the ``until`` event's value, if any."""
        if isinstance(until, simpy.Event):
            if until.callbacks is None:  # already processed
                return until.value
            until.callbacks.append(StopSimulation.callback)
        elif until is not None:
            if until <= self._now:
                raise ValueError(f"until ({until}) must be greater than the current time")
            stop = simpy.Event(self)  # before any regular entry at that time, as in SimPy
            stop._ok, stop._value = True, None
            self.schedule(stop, URGENT, until - self._now)
            stop.callbacks.append(StopSimulation.callback)
        try:
            self._steps(once=False)
        except StopSimulation as stopped:
            return stopped.args[0]
        except EmptySchedule:
            if until is not None:
                raise RuntimeError(f"nothing left to simulate before {until}") from None
        return None

    def _steps(self, once: bool) -> None:
        """Process arrivals, timers and events in time order: one, or until SimPy stops the
        run (``StopSimulation``) or runs out (``EmptySchedule``)."""
        queue: list[Any] = self._queue  # SimPy's entries, some of them timers
        arrivals, on_arrival = self._arrivals, self._on_arrival
        step = simpy.Environment.step
        upcoming = self._upcoming
        due = upcoming.at_min
        try:
            while True:
                if queue and queue[0][0] <= due:  # queued first, also at the same time
                    if queue[0][3].__class__ is tuple:  # a timer
                        self._now, _, _, (callback, argument) = heappop(queue)
                        self.minute = self._now
                        callback(argument)
                    else:
                        step(self)
                        self.minute = self._now
                elif upcoming is NO_MORE:
                    step(self)  # nothing left at all: SimPy raises EmptySchedule
                else:
                    arrival, upcoming = upcoming, next(arrivals, NO_MORE)
                    due = upcoming.at_min
                    if arrival.at_min > self._now:
                        self._now = self.minute = arrival.at_min
                    on_arrival(arrival)
                if once:
                    return
        finally:
            self._upcoming = upcoming

"""Synthetic traffic: seeded arrival times and ticket attributes, independent of any policy.

Every random draw comes from its own named stream, and each ticket's draws (category,
priority, language, channel, base handle time, patience, reopen, customer, text) happen in
arrival order, so two policies simulated with the same seed see exactly the same tickets:
common random numbers. The policy can only change who serves a ticket and when, and,
where the scenario says so, how likely it is to come back (``reopen_draw`` is drawn here;
only the chance it is compared with depends on who served the ticket).

Tickets are drawn with NumPy in batches of ``BATCH`` arrivals, each a set of columns
(``Batch``); ``generate`` yields them one ``Arrival`` at a time for whoever wants that.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import accumulate, islice
from random import Random
from typing import NamedTuple
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from simulation.agent_fit import reopen_varies
from simulation.channel_hours import OfferedChannels
from simulation.customers import Customer, CustomerDraws, ShopContexts
from simulation.scenario import Arrivals, HandleTime, Patience, Scenario, Traffic
from simulation.texts import TicketTexts

BATCH = 8192
"""Arrivals drawn at once (per stream, in arrival order)."""

Floats = npt.NDArray[np.float64]


def stream(seed: int, name: str, replication: int = 0) -> Random:
    """An independent random stream for one purpose of one replication."""
    return Random(f"deskroute:{seed}:{replication}:{name}")


def array_stream(seed: int, name: str, replication: int = 0) -> np.random.Generator:
    """An independent NumPy random stream for one purpose of one replication."""
    digest = hashlib.sha256(f"deskroute:{seed}:{replication}:{name}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


class Arrival(NamedTuple):
    """One ticket to simulate: when it arrives, what it is, and the customer's draws."""

    number: int
    at_min: float
    category: str
    priority: str
    language: str
    channel: str
    base_handle_min: float
    patience_min: float
    reopen_after_min: float | None
    """Delay before the solved ticket comes back, if it does (None: it never does)."""
    customer: Customer | None = None
    """Who wrote it (None: the scenario has no customers)."""
    reopen_draw: float = 0.0
    """The uniform draw deciding a reopen: the ticket comes back when it is below the reopen
    chance of whoever solved it (0.0: whenever ``reopen_after_min`` is set)."""
    text: str | None = None
    """What the customer wrote (``simulation.texts``; None: no text)."""


class Batch(NamedTuple):
    """Consecutive arrivals as columns: Python lists indexed alike."""

    number: list[int]
    at_min: list[float]
    category: list[str]
    priority: list[str]
    language: list[str]
    channel: list[str]
    base_handle_min: list[float]
    patience_min: list[float]
    reopen_after_min: list[float | None]
    customer: list[Customer | None]
    reopen_draw: list[float]
    text: list[str | None]

    def arrival(self, index: int) -> Arrival:
        """Row ``index`` as an ``Arrival``."""
        return Arrival(
            self.number[index],
            self.at_min[index],
            self.category[index],
            self.priority[index],
            self.language[index],
            self.channel[index],
            self.base_handle_min[index],
            self.patience_min[index],
            self.reopen_after_min[index],
            self.customer[index],
            self.reopen_draw[index],
            self.text[index],
        )

    def arrivals(self) -> Iterator[Arrival]:
        """Every row as an ``Arrival``, in order."""
        return map(self.arrival, range(len(self.at_min)))


def batched(arrivals: Iterable[Arrival], size: int = BATCH) -> Iterator[Batch]:
    """Ready arrivals (a replay) as batches."""
    rows = iter(arrivals)
    while chunk := list(islice(rows, size)):
        yield Batch(
            [a.number for a in chunk],
            [a.at_min for a in chunk],
            [a.category for a in chunk],
            [a.priority for a in chunk],
            [a.language for a in chunk],
            [a.channel for a in chunk],
            [a.base_handle_min for a in chunk],
            [a.patience_min for a in chunk],
            [a.reopen_after_min for a in chunk],
            [a.customer for a in chunk],
            [a.reopen_draw for a in chunk],
            [a.text for a in chunk],
        )


class Picker:
    """Draws keys with probability proportional to their shares."""

    __slots__ = ("cumulative", "keys", "total")

    def __init__(self, shares: Mapping[str, float]) -> None:
        self.keys = [key for key, share in shares.items() if share > 0]
        self.cumulative = np.fromiter(accumulate(shares[key] for key in self.keys), float)
        self.total = float(self.cumulative[-1])

    def pick(self, rng: np.random.Generator, size: int) -> list[str]:
        """``size`` keys (drawing nothing when there is only one)."""
        if len(self.keys) == 1:
            return self.keys * size
        index = np.searchsorted(self.cumulative, rng.random(size) * self.total, side="right")
        keys = self.keys
        return [keys[n] for n in np.minimum(index, len(keys) - 1).tolist()]


def draw_handles(specs: list[HandleTime], which: list[int], rng: np.random.Generator) -> Floats:
    """Handle times in minutes: ticket ``n`` follows ``specs[which[n]]``.

    Every ticket consumes the same draws whatever its distribution, so the stream stays
    aligned with arrival order.
    """
    size = len(which)
    uniform, exponential = rng.random(size), rng.standard_exponential(size)
    normal = rng.standard_normal(size)
    kinds = np.asarray(which, dtype=np.intp)
    handles = np.empty(size, dtype=np.float64)
    for number, spec in enumerate(specs):
        rows = kinds == number
        if not rows.any():
            continue
        if spec.dist == "empirical":
            samples = np.asarray(spec.samples_min, dtype=np.float64)
            handles[rows] = samples[(uniform[rows] * len(samples)).astype(np.intp)]
        elif spec.dist == "exponential":
            handles[rows] = spec.mean * exponential[rows]
        elif spec.dist == "constant":
            handles[rows] = spec.mean
        else:
            sigma2 = math.log1p(spec.cv**2)
            mu, sigma = math.log(spec.mean) - sigma2 / 2, math.sqrt(sigma2)
            handles[rows] = np.exp(mu + sigma * normal[rows])
    return handles


class RateShape:
    """Arrival-rate multiplier at a simulated minute: profile times any active burst."""

    def __init__(self, arrivals: Arrivals, start: datetime) -> None:
        self.arrivals, self.start = arrivals, start
        self.zone = ZoneInfo(arrivals.timezone)
        self.bursts = [
            ((b.start - start).total_seconds() / 60, b.minutes, b.factor) for b in arrivals.bursts
        ]
        profile = arrivals.profile
        self.peak = (
            max(profile.hours)
            * max(profile.days)
            * max([1.0] + [b.factor for b in arrivals.bursts])
        )

    def factor(self, minute: float) -> float:
        """The multiplier at ``minute`` after the start."""
        local = (self.start + timedelta(minutes=minute)).astimezone(self.zone)
        factor = self.arrivals.profile.factor(local)
        for begin, length, burst in self.bursts:
            if begin <= minute < begin + length:
                factor *= burst
        return factor


def arrival_times(
    arrivals: Arrivals, start: datetime, horizon_min: float, rng: np.random.Generator
) -> Iterator[list[float]]:
    """Arrival minutes of a (non-homogeneous) Poisson process, by thinning, in batches."""
    shape = RateShape(arrivals, start)
    mean_gap = 60.0 / (arrivals.rate_per_hour * shape.peak)
    homogeneous = shape.peak == 1.0
    clock = 0.0
    while clock < horizon_min:
        times = clock + np.cumsum(rng.exponential(mean_gap, BATCH))
        clock = float(times[-1])
        times = times[times < horizon_min]
        if not homogeneous:
            draws = (rng.random(BATCH) * shape.peak)[: times.size].tolist()
            kept = [t for t, u in zip(times.tolist(), draws, strict=True) if u < shape.factor(t)]
            yield kept
        else:
            yield times.tolist()


def batches(scenario: Scenario, replication: int = 0) -> Iterator[Batch]:
    """The scenario's tickets for one replication, in arrival order, a batch at a time."""
    traffic, seed = scenario.traffic, scenario.seed
    mix = array_stream(seed, "mix", replication)
    service = array_stream(seed, "service", replication)
    behaviour = CustomerBehaviour(scenario, array_stream(seed, "customer", replication))
    who = (
        CustomerDraws(
            traffic.customers,
            array_stream(seed, "customers", replication),
            shop_contexts(scenario, replication),
        )
        if traffic.customers is not None
        else None
    )
    texts = None if traffic.text is None else TicketTexts(array_stream(seed, "text", replication))
    categories = Picker({name: c.share for name, c in traffic.categories.items()})
    priorities, languages = Picker(traffic.priorities), Picker(traffic.languages)
    channels = Picker(traffic.channels)
    offered = OfferedChannels(traffic.channel_hours, scenario.start)
    specs = [traffic.categories[name].handle for name in categories.keys]
    position = {name: n for n, name in enumerate(categories.keys)}
    first = 0
    times = arrival_times(
        traffic.arrivals,
        scenario.start,
        scenario.horizon_min,
        array_stream(seed, "arrivals", replication),
    )
    for at in times:
        size = len(at)
        category = categories.pick(mix, size)
        priority, language = priorities.pick(mix, size), languages.pick(mix, size)
        channel = offered.used(at, channels.pick(mix, size))
        handles = draw_handles(specs, [position[name] for name in category], service)
        if traffic.channel_handle:  # scaled, not drawn: the service stream stays aligned
            scale = traffic.channel_handle
            handles *= np.fromiter((scale.get(c, 1.0) for c in channel), np.float64, size)
        customers: list[Customer | None] = (
            [None] * size if who is None else list(who.draw(at, category))
        )
        waits = behaviour.patience(channel, customers)
        reopens, draws = behaviour.reopens(size)
        numbers = list(range(first, first + size))
        text: list[str | None] = [None] * size if texts is None else texts.draw(category, language)
        yield Batch(
            numbers,
            at,
            category,
            priority,
            language,
            channel,
            handles.tolist(),
            waits,
            reopens,
            customers,
            draws,
            text,
        )
        first += size


def shop_contexts(scenario: Scenario, replication: int) -> ShopContexts | None:
    """The shop side of the scenario's customers, on its own stream "shop" (None: no shop)."""
    customers = scenario.traffic.customers
    if customers is None or customers.shop is None:
        return None
    rng = array_stream(scenario.seed, "shop", replication)
    return ShopContexts(customers.shop, rng, scenario.start)


class CustomerBehaviour:
    """Each arrival's patience and reopen draws, from the "customer" stream in arrival order
    (patience first, then the reopen chance and delay of the batch)."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator) -> None:
        traffic: Traffic = scenario.traffic
        self.rng = rng
        self.spec: Patience | None = traffic.patience
        self.reopen = traffic.reopen
        self.varies = reopen_varies(scenario)  # who solved it changes the chance

    def patience(
        self, channel: list[str], customers: Sequence[Customer | None] = ()
    ) -> list[float]:
        """Minutes each customer waits before abandoning (inf: forever): the channel's mean,
        times the factor of the customer's value tier when the scenario gives one (scaled,
        not drawn: the stream stays aligned)."""
        spec, size = self.spec, len(channel)
        if spec is None:
            return [math.inf] * size
        if not spec.channels and not spec.value_tiers:
            assert spec.mean_min is not None
            waits: list[float] = self.rng.exponential(spec.mean_min, size).tolist()
            return waits
        means = {name: spec.mean_for(name) for name in set(channel)}
        scale = np.fromiter((means[name] for name in channel), dtype=np.float64, count=size)
        if spec.value_tiers:
            tiers = spec.value_tiers
            scale *= np.fromiter(
                (1.0 if c is None else tiers.get(c.value_tier, 1.0) for c in customers),
                dtype=np.float64,
                count=size,
            )
        waits = (self.rng.standard_exponential(size) * scale).tolist()
        return waits

    def reopens(self, size: int) -> tuple[list[float | None], list[float]]:
        """Each ticket's reopen delay (None: never) and the uniform deciding it."""
        probability = self.reopen.probability
        if not probability:
            return [None] * size, [0.0] * size
        chance = self.rng.random(size).tolist()
        delay = self.rng.exponential(self.reopen.delay_min, size).tolist()
        if self.varies:  # decided when the ticket is solved, by who solved it
            return delay, chance
        delays = [d if c < probability else None for c, d in zip(chance, delay, strict=True)]
        return delays, [0.0] * size


def generate(scenario: Scenario, replication: int = 0) -> Iterator[Arrival]:
    """The scenario's tickets for one replication, in arrival order."""
    for batch in batches(scenario, replication):
        yield from batch.arrivals()

"""The scenario file: who works when, what traffic arrives, what "good" means, for how long.

A scenario is YAML validated into these frozen models; a bad file is rejected with the file
and the field named. Times inside a scenario are in minutes unless a name says otherwise.
The full format is documented in docs/simulation.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from router.customer import VALUE_TIERS
from router.model import Priority
from router.queue import DEFAULT_ORDER, OrderKey
from router.schedule import parse_days

PRIORITY_NAMES = tuple(member.name.lower() for member in Priority)
Share = Annotated[float, Field(ge=0)]
CUSTOMER_PREFIX = "customer:"
"""Simulated customers are ``customer:N``: never an agent's id, so the router's requester
filter (nobody is routed their own ticket) never removes an agent from their tickets."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HandleTime(_Strict):
    """A handle-time distribution in minutes: exponential, lognormal (mean and CV) or empirical."""

    dist: Literal["exponential", "lognormal", "empirical", "constant"] = "exponential"
    mean_min: float | None = Field(None, gt=0)
    cv: float = Field(1.0, gt=0, description="coefficient of variation (lognormal)")
    samples_min: tuple[Annotated[float, Field(gt=0)], ...] = ()

    @model_validator(mode="after")
    def _complete(self) -> HandleTime:
        if self.dist == "empirical" and not self.samples_min:
            raise ValueError("an empirical distribution needs samples_min")
        if self.dist != "empirical" and self.mean_min is None:
            raise ValueError(f"a {self.dist} distribution needs mean_min")
        return self

    @property
    def mean(self) -> float:
        """Mean handle time in minutes."""
        if self.dist == "empirical":
            return sum(self.samples_min) / len(self.samples_min)
        assert self.mean_min is not None
        return self.mean_min


class Category(_Strict):
    """One kind of ticket: its share of traffic, handle time and the skill it needs."""

    share: Share
    handle: HandleTime
    skill: str | None = Field(None, description="required skill (default: none)")
    level: int = Field(1, ge=1, le=10, description="minimum level of that skill")
    group: str | None = Field(None, description="group the ticket is routed to")


class Burst(_Strict):
    """A period when arrivals run ``factor`` times their usual rate."""

    start: AwareDatetime
    minutes: float = Field(gt=0)
    factor: float = Field(gt=0)


class Profile(_Strict):
    """Arrival-rate multipliers by local hour of day (24 values) and day of week (7 values)."""

    hours: tuple[Share, ...] = (1.0,) * 24
    days: tuple[Share, ...] = (1.0,) * 7

    @model_validator(mode="after")
    def _sizes(self) -> Profile:
        if len(self.hours) != 24 or len(self.days) != 7:
            raise ValueError("profile needs 24 hour values and 7 day values (Monday first)")
        if max(self.hours) == 0 or max(self.days) == 0:
            raise ValueError("profile must not be all zero")
        return self

    def factor(self, local: datetime) -> float:
        """Multiplier at a local wall-clock time."""
        return self.hours[local.hour] * self.days[local.weekday()]


class Arrivals(_Strict):
    """Poisson arrivals, optionally non-homogeneous (profile and bursts)."""

    rate_per_hour: float = Field(gt=0, description="rate when every multiplier is 1")
    timezone: str = "UTC"
    profile: Profile = Field(default_factory=Profile)
    bursts: tuple[Burst, ...] = ()

    @model_validator(mode="after")
    def _zone(self) -> Arrivals:
        ZoneInfo(self.timezone)
        return self


class Patience(_Strict):
    """How long a waiting customer stays before abandoning (exponential, minutes): one mean
    for everyone, or a mean per channel (chat customers leave in minutes, email customers
    in days), falling back to ``mean_min`` for channels not listed."""

    mean_min: float | None = Field(None, gt=0)
    channels: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict, description="mean patience (minutes) per channel"
    )
    value_tiers: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict,
        description="factor on the mean per customer value tier (needs customers.shop)",
    )

    @model_validator(mode="after")
    def _some_mean(self) -> Patience:
        if self.mean_min is None and not self.channels:
            raise ValueError("patience needs mean_min, channels, or both")
        strange = [tier for tier in self.value_tiers if tier not in VALUE_TIERS]
        if strange:
            raise ValueError(
                f"value_tiers: unknown tier {strange[0]!r} (use {', '.join(VALUE_TIERS)})"
            )
        return self

    def mean_for(self, channel: str) -> float:
        """Mean patience (minutes) of a customer writing in on ``channel``."""
        mean = self.channels.get(channel, self.mean_min)
        if mean is None:
            raise ValueError(f"patience: no mean for channel {channel!r}")
        return mean


class Escalation(_Strict):
    """On an SLA breach while waiting: raise the priority (and optionally restrict the pool)."""

    set_priority: str = "urgent"
    pool: tuple[str, ...] = ()


class Reopen(_Strict):
    """Chance a solved ticket comes back, and the mean delay before it does (minutes)."""

    probability: float = Field(0.0, ge=0, le=1)
    delay_min: float = Field(1440.0, gt=0)


class OrderValue(_Strict):
    """What a customer's orders are worth on average: lognormal over customers."""

    mean: float = Field(gt=0, description="mean order value, in the shop's currency")
    cv: float = Field(1.0, gt=0, description="coefficient of variation over customers")


class RecentOrder(_Strict):
    """Which tickets are about a recent order, and that order's status and age.

    A ticket of a category listed is about a recent order with the category's chance; the
    order was placed ``age_h_mean`` hours (exponential) before the ticket and is fulfilled
    once ``fulfil_h_mean`` hours (exponential) have passed since, unfulfilled before; with
    the ``refunded`` chance of its category it has been refunded (financial status
    ``refunded``, otherwise ``paid``).
    """

    categories: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        min_length=1, description="per category: chance a ticket is about a recent order"
    )
    age_h_mean: float = Field(gt=0, description="mean age of the order when the ticket arrives")
    fulfil_h_mean: float = Field(gt=0, description="mean time from order to fulfilment")
    refunded: dict[str, Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=dict, description="per category: chance the order is refunded"
    )

    @model_validator(mode="after")
    def _refunds_of_listed(self) -> RecentOrder:
        strange = [name for name in self.refunded if name not in self.categories]
        if strange:
            raise ValueError(f"refunded: category {strange[0]!r} is not in recent_order.categories")
        return self


class Shop(_Strict):
    """What the shop knows about each customer (``router.customer.CustomerContext``): orders,
    amount spent, a VIP tag above a spend threshold, and the recent order a ticket is about.

    A customer's value is drawn once, when they first write; follow-ups carry the same.
    """

    currency: str = Field("EUR", min_length=3, max_length=3)
    returning_share: float = Field(
        ge=0, le=1, description="share of customers with two orders or more"
    )
    returning_orders_mean: float = Field(
        ge=2, description="mean orders of a returning customer (2 + Poisson)"
    )
    order_value: OrderValue
    vip_spent: float | None = Field(
        None, gt=0, description="the shop tags a customer vip from this amount spent"
    )
    recent_order: RecentOrder | None = Field(None, description="None: no ticket is about one")


class Customers(_Strict):
    """Who writes in: a population with repeat contacts, some of them VIPs (docs/scenarios.md).

    Drawn with the traffic, before any routing: a follow-up is written by the customer of
    the ticket that arrived about ``followup_gap_min`` (exponential) before it. With a
    ``shop``, every ticket carries its customer's shop context and a VIP is whoever the
    shop tags so (``shop.vip_spent``), not a ``vip_share`` draw.
    """

    repeat_share: float = Field(
        0.0, ge=0, le=1, description="share of new tickets that follow up an earlier customer's"
    )
    followup_gap_min: float = Field(
        4320.0, gt=0, description="mean time from a customer's ticket to the follow-up (minutes)"
    )
    vip_share: float = Field(
        0.0, ge=0, le=1, description="share of new customers who are VIPs (tagged vip)"
    )
    shop: Shop | None = Field(None, description="None: tickets carry no shop context")
    repeat_contact_days: float = Field(
        7.0,
        gt=0,
        description="a customer's tickets within this many days are repeat contacts (the "
        "repeat_contact signal; the sidecar's DESKROUTE_SIDECAR__REPEAT_CONTACT_DAYS)",
    )

    @model_validator(mode="after")
    def _one_vip_source(self) -> Customers:
        if self.shop is not None and self.vip_share:
            raise ValueError(
                "give vip_share or shop (whose vip_spent decides who is a VIP), not both"
            )
        return self


class ChannelHours(_Strict):
    """When a channel is offered (a chat widget shown only while someone is online); a
    customer arriving outside those hours uses ``otherwise`` instead (leaves a message)."""

    days: Any = "mon-fri"
    start: time
    end: time
    timezone: str = "UTC"
    otherwise: str = Field("email", description="the channel used outside these hours")

    @model_validator(mode="after")
    def _readable(self) -> ChannelHours:
        parse_days(self.days)
        ZoneInfo(self.timezone)
        return self


class Traffic(_Strict):
    """What arrives: rate and shape, the mix of tickets, and how customers behave."""

    arrivals: Arrivals
    categories: dict[str, Category] = Field(min_length=1)
    priorities: dict[str, Share] = Field(default_factory=lambda: {"normal": 1.0})
    languages: dict[str, Share] = Field(default_factory=lambda: {"en": 1.0})
    channels: dict[str, Share] = Field(default_factory=lambda: {"email": 1.0})
    patience: Patience | None = None
    escalation: Escalation | None = None
    reopen: Reopen = Field(default_factory=Reopen)
    customers: Customers | None = Field(None, description="None: every ticket anonymous")
    text: Literal["bitext"] | None = Field(
        None,
        description="bitext: an English ticket of a Bitext category carries one of its "
        "utterances (simulation.texts); None: tickets carry no text",
    )
    channel_hours: dict[str, ChannelHours] = Field(
        default_factory=dict, description="hours a channel is offered (default: always)"
    )
    channel_handle: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=dict,
        description="handle-time factor per channel (a chat lasts longer: the customer types)",
    )

    @model_validator(mode="after")
    def _mixes(self) -> Traffic:
        for name, mix in (
            ("categories", {k: c.share for k, c in self.categories.items()}),
            ("priorities", self.priorities),
            ("languages", self.languages),
            ("channels", self.channels),
        ):
            if sum(mix.values()) <= 0:
                raise ValueError(f"{name}: shares must not all be zero")
        unknown = [p for p in self.priorities if p not in PRIORITY_NAMES]
        if unknown:
            raise ValueError(f"unknown priority {unknown[0]!r} (use {', '.join(PRIORITY_NAMES)})")
        if self.patience is not None:
            self._patience_covers_channels(self.patience)
        self._shop_names_categories()
        self._hours_name_channels()
        return self

    def _shop_names_categories(self) -> None:
        shop = None if self.customers is None else self.customers.shop
        if self.patience is not None and self.patience.value_tiers and shop is None:
            raise ValueError("patience.value_tiers needs customers.shop (value tiers come from it)")
        recent = None if shop is None else shop.recent_order
        if recent is None:
            return
        strange = [name for name in recent.categories if name not in self.categories]
        if strange:
            listed = ", ".join(self.categories)
            raise ValueError(
                f"customers.shop.recent_order.categories: unknown category {strange[0]!r} "
                f"(traffic has {listed})"
            )

    def _hours_name_channels(self) -> None:
        listed = ", ".join(self.channels)
        strange = [name for name in self.channel_handle if name not in self.channels]
        if strange:
            raise ValueError(
                f"channel_handle: unknown channel {strange[0]!r} (traffic has {listed})"
            )
        for name, hours in self.channel_hours.items():
            if name not in self.channels:
                raise ValueError(f"channel_hours: unknown channel {name!r} (traffic has {listed})")
            if hours.otherwise not in self.channels or hours.otherwise in self.channel_hours:
                raise ValueError(
                    f"channel_hours.{name}.otherwise: {hours.otherwise!r} must be a channel of "
                    "the traffic that is always offered"
                )

    def _patience_covers_channels(self, patience: Patience) -> None:
        listed = ", ".join(self.channels)
        strange = [name for name in patience.channels if name not in self.channels]
        if strange:
            raise ValueError(
                f"patience.channels: unknown channel {strange[0]!r} (traffic has {listed})"
            )
        if patience.mean_min is None:
            missing = [name for name in self.channels if name not in patience.channels]
            if missing:
                raise ValueError(
                    f"patience: no mean for channel {missing[0]!r} (give mean_min or list it)"
                )


class ShiftSpec(_Strict):
    """A weekly shift, with breaks, in a time zone."""

    days: Any = "mon-fri"
    start: time
    end: time
    timezone: str = "UTC"
    breaks: tuple[tuple[time, time], ...] = ()


class AgentSpec(_Strict):
    """One agent (``id``) or a team of ``count`` identical agents (named ``<team>-<n>``)."""

    id: str | None = None
    team: str | None = None
    count: int = Field(1, ge=0)
    groups: tuple[str, ...] = ()
    skills: dict[str, Annotated[int, Field(ge=1, le=10)]] = Field(default_factory=dict)
    languages: tuple[str, ...] = ()
    capacity: float = Field(1.0, gt=0, description="concurrent tickets (capacity units)")
    weights: dict[str, float] = Field(default_factory=dict, description="units per type/channel")
    shift: ShiftSpec | None = Field(None, description="None: always working")
    absence_rate: float = Field(0.0, ge=0, lt=1, description="chance of missing a given day")

    @model_validator(mode="after")
    def _named(self) -> AgentSpec:
        if (self.id is None) == (self.team is None):
            raise ValueError("give either id (one agent) or team (with count)")
        if self.id is not None and self.count != 1:
            raise ValueError("count applies to a team, not to an agent with an id")
        return self


class AgentFit(_Strict):
    """How an agent's fit to a ticket changes the work (``simulation.agent_fit``).

    Skill level already slows novices down (``Scenario.handle_slowdown``); these add the
    chance of a reopen by skill, the cost of working in a language the agent does not
    speak, and the speed-up when a customer's previous agent serves the follow-up.
    """

    skill_reopen: float = Field(
        0.0, ge=0, description="a level-0 agent's reopen chance is (1 + this) x an expert's"
    )
    language_handle: float = Field(
        1.0, ge=1, description="handle-time factor when the agent does not speak the language"
    )
    language_reopen: float = Field(
        1.0, ge=1, description="reopen-chance factor when the agent does not speak the language"
    )
    continuity_handle: float = Field(
        1.0, gt=0, le=1, description="handle-time factor when the previous agent serves a follow-up"
    )


class Routing(_Strict):
    """Which policy routes, plus an optional policy file for business rules and queue order."""

    policy: str = "skills_least_loaded"
    params: dict[str, Any] = Field(default_factory=dict)
    policy_file: Path | None = None
    order: tuple[OrderKey, ...] = DEFAULT_ORDER
    sweep_min: float = Field(15.0, gt=0, description="re-offer the queue this often")


class Scenario(_Strict):
    """A whole simulation setup."""

    version: Literal[1] = 1
    name: str = "scenario"
    start: AwareDatetime = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
    horizon_days: float = Field(7.0, gt=0)
    warmup_days: float = Field(0.0, ge=0)
    drain_days: float = Field(2.0, ge=0, description="time after the horizon to finish work")
    seed: int = 0
    sla_min: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: {"urgent": 60.0, "high": 240.0, "normal": 480.0, "low": 1440.0},
        description="first assignment within this many minutes, per priority",
    )
    handle_slowdown: float = Field(0.0, ge=0, description="novices take 1+slowdown x longer")
    agent_fit: AgentFit | None = Field(None, description="None: fit changes only handle_slowdown")
    agents: tuple[AgentSpec, ...] = Field(min_length=1)
    traffic: Traffic
    routing: Routing = Field(default_factory=Routing)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.warmup_days >= self.horizon_days:
            raise ValueError("warmup_days must be shorter than horizon_days")
        unknown = [p for p in self.sla_min if p not in PRIORITY_NAMES]
        if unknown:
            raise ValueError(f"sla_min: unknown priority {unknown[0]!r}")
        if self.traffic.customers is None:
            fit = self.agent_fit
            if fit is not None and fit.continuity_handle != 1.0:
                raise ValueError(
                    "agent_fit.continuity_handle needs traffic.customers "
                    "(without customers there are no follow-ups)"
                )
        else:
            clash = [s.id for s in self.agents if s.id and s.id.startswith(CUSTOMER_PREFIX)]
            if clash:
                raise ValueError(
                    f"agents: id {clash[0]!r} looks like a simulated customer's "
                    f"({CUSTOMER_PREFIX}N); pick another"
                )
        return self

    @property
    def horizon_min(self) -> float:
        """Arrivals stop after this many minutes."""
        return self.horizon_days * 1440.0

    @property
    def warmup_min(self) -> float:
        """Tickets arriving before this are left out of the metrics."""
        return self.warmup_days * 1440.0

    def dates(self) -> list[date]:
        """Every calendar date the run (with its drain) touches, for absence draws."""
        first = self.start.date()
        days = int(self.horizon_days + self.drain_days) + 2
        return [date.fromordinal(first.toordinal() + offset) for offset in range(days)]

    def evolve(self, **changes: Any) -> Scenario:
        """A validated copy with top-level fields replaced."""
        return Scenario.model_validate({**self.model_dump(), **changes})


class ScenarioError(ValueError):
    """The scenario file cannot be used; the message names the file and the field."""


def parse_scenario(data: Any, source: str) -> Scenario:
    """Validate loaded YAML; errors name ``source`` and the field."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the top level must be a mapping")
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        lines = []
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"])
            message = str(item["msg"]).removeprefix("Value error, ")
            lines.append(f"{source}: {where}: {message}" if where else f"{source}: {message}")
        raise ScenarioError("\n".join(lines)) from None


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file (a relative ``policy_file`` is resolved next to it)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not valid YAML: {error}") from None
    scenario = parse_scenario(data, str(path))
    policy_file = scenario.routing.policy_file
    if policy_file is not None and not policy_file.is_absolute():
        routing = scenario.routing.model_copy(update={"policy_file": path.parent / policy_file})
        scenario = scenario.model_copy(update={"routing": routing})
    return scenario


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML text (what ``scenario fit`` writes)."""
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data.setdefault(
        "agents", [a.model_dump(mode="json", exclude_defaults=True) for a in scenario.agents]
    )
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

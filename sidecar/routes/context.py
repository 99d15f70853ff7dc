"""What the HTTP routes need from the running service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from config.settings import Settings
from router.model import Agent
from sidecar.health import StoreHealth
from sidecar.metrics import Metrics
from sidecar.policy_keeper import PolicyKeeper
from sidecar.refusals import RefusalLimit
from sidecar.store import Store


@dataclass
class AppContext:
    """What the HTTP app needs from the running service."""

    settings: Settings
    store: Store
    metrics: Metrics
    clock: Callable[[], datetime]
    is_leader: Callable[[], bool]
    ready: Callable[[], bool]
    kick: Callable[[], None]
    accepting: Callable[[], bool]
    health: StoreHealth = field(default_factory=lambda: StoreHealth(migrated=True))
    refusals: RefusalLimit = field(default_factory=RefusalLimit)
    desk_refused: Callable[[], str | None] = lambda: None
    """Why the help desk is not called now (it refused our credentials), or None."""
    roster: Callable[[], tuple[Agent, ...]] = lambda: ()
    """The agents the leader last read from the help desk (empty on a follower)."""
    policy: PolicyKeeper | None = None
    """Changes the routing policy live (``/admin/policy``); None: those endpoints are off."""

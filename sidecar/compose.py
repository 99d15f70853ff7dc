"""The composition root: settings in, a ready-to-start ``Sidecar`` out."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from random import Random

from config.knobs import clock_skew
from config.model_files import load_classifier
from config.policy_file import PolicyFile, load_policy
from config.settings import Settings
from connectors.base import Connector
from connectors.factory import build_connector
from connectors.shop import build_shop
from router.engine import Router
from sidecar.service import Clock, Sidecar, default_replica, utc_now
from sidecar.stopping import Waits
from sidecar.store import Store, database_now, on_clock


def router_from_settings(settings: Settings) -> Router:
    """The router from ``DESKROUTE_POLICY_FILE`` (or the default policy), with the triage
    classifier from ``DESKROUTE_SIDECAR__CLASSIFIER_MODELS`` when set.

    Raises ``PolicyFileError`` or ``ModelFileError`` for unusable files.
    """
    spec = load_policy(settings.policy_file) if settings.policy_file else PolicyFile()
    router = spec.router()
    models = settings.sidecar.classifier_models
    return replace(router, classifier=load_classifier(models)) if models else router


def build_sidecar(
    settings: Settings,
    connector: Connector | None = None,
    *,
    clock: Clock | None = None,
    rng: Random | None = None,
) -> Sidecar:
    """Build the store (not connected yet), the connector and the router; wire the service.

    ``clock`` and ``rng`` (default: the wall clock, and a source seeded with
    ``DESKROUTE_SIDECAR__SEED``) are seams for tests that drive the service on simulated
    time, such as the differential test against the simulator. The default wall clock is
    off by ``DESKROUTE_CLOCK_SKEW_SECONDS`` when that test knob is set (config/knobs.py);
    write-backs then come due by the database's clock, while a given ``clock`` times them too.

    Raises ``PolicyFileError`` or ``ConfigError`` for bad configuration and SQLAlchemy's
    ``ArgumentError`` for a database URL it cannot use. The database is first reached by
    ``Sidecar.start``, which migrates it (and waits for an unreachable PostgreSQL).
    """
    router = router_from_settings(settings)
    waits = Waits()
    connector = connector or build_connector(settings, sleep=waits.sleep)
    shop = build_shop(settings.shop, sleep=waits.sleep)
    replica = settings.lease.replica_id or default_replica()
    # simulated time (a clock given) also times the outbox; otherwise the database's clock
    # does, whatever this replica's clock says
    due_clock = database_now if clock is None else on_clock(clock)
    store = Store.connect(settings.database_url, replica, settings.store, due_clock=due_clock)
    clock = clock or skewed(utc_now, clock_skew())
    return Sidecar(
        settings=settings, connector=connector, store=store, router=router, clock=clock, rng=rng,
        waits=waits, shop=shop,
    )  # fmt: skip


def skewed(clock: Clock, skew: timedelta) -> Clock:
    """``clock`` moved by ``skew`` (itself when there is none)."""
    return clock if not skew else lambda: clock() + skew

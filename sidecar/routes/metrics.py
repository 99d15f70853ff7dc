"""``/metrics``: Prometheus text, with the store-backed gauges read just before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import FastAPI, Response

from sidecar import http_schema as schema
from sidecar.names import agent_names
from sidecar.routes.context import AppContext
from sidecar.shadow_report import Window

SHADOW_EVERY = timedelta(minutes=1)
"""The shadow agreement reads the whole window's decisions: scrapes within this of the
last reading keep its value (Prometheus scrapes every 15 s by default)."""


@dataclass
class ShadowReading:
    """When the shadow agreement gauge was last computed."""

    at: datetime | None = None

    def due(self, now: datetime) -> bool:
        """True (and the reading taken now) when the last one is older than ``SHADOW_EVERY``."""
        if self.at is not None and now - self.at < SHADOW_EVERY:
            return False
        self.at = now
        return True


def register(app: FastAPI, ctx: AppContext) -> None:
    """``/metrics``."""
    shadow = ShadowReading()

    @app.get("/metrics", tags=["operations"], response_class=Response, responses=schema.TEXT)
    def metrics() -> Response:
        """Prometheus metrics (the store-backed gauges keep their values while it is down)."""
        with ctx.health.tolerating("a metrics scrape"):
            _refresh_gauges(ctx, shadow)
        ctx.metrics.store_up.set(0 if ctx.health.up is False else 1)
        return Response(ctx.metrics.render(), media_type="text/plain; version=0.0.4")


def _refresh_gauges(ctx: AppContext, shadow: ShadowReading) -> None:
    """Read the store-backed gauges just before a scrape (the shadow agreement at most once
    a minute)."""
    ctx.metrics.queue_depth.set(ctx.store.tickets.counts().get("waiting", 0))
    ctx.metrics.outbox_depth.set(ctx.store.outbox.active())
    ctx.metrics.set_loads(
        ctx.store.loads.loads(), agent_names(ctx.roster(), ctx.store.loads.table())
    )
    ctx.metrics.set_queue(ctx.store.queue_gauges(ctx.clock()))
    if ctx.settings.dry_run and shadow.due(ctx.clock()):
        limits = ctx.settings.shadow
        window = Window.last(limits.window_days, ctx.clock())
        rate = ctx.store.shadow_report(window, limits).overall.rate
        if rate is not None:
            ctx.metrics.shadow_agreement.set(rate)
    ctx.metrics.leader.set(1 if ctx.is_leader() else 0)

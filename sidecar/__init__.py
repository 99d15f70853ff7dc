"""The long-running sidecar service: composition root, scheduler, HTTP app, store, outbox."""

from sidecar.compose import build_sidecar, router_from_settings
from sidecar.http import AppContext, create_app
from sidecar.leader import Leadership
from sidecar.metrics import Metrics
from sidecar.pipeline import Pipeline
from sidecar.service import Sidecar
from sidecar.store import Store
from sidecar.writer import Writer

__all__ = [
    "AppContext",
    "Leadership",
    "Metrics",
    "Pipeline",
    "Sidecar",
    "Store",
    "Writer",
    "build_sidecar",
    "create_app",
    "router_from_settings",
]

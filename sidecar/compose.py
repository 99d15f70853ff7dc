"""The composition root: settings in, a ready-to-start ``Sidecar`` out."""

from __future__ import annotations

from config.policy_file import PolicyFile, load_policy
from config.settings import Settings
from connectors.base import Connector
from connectors.factory import build_connector
from router.engine import Router
from sidecar.service import Sidecar, default_replica, utc_now
from sidecar.store import Store


def build_router(settings: Settings) -> Router:
    """The router from ``DESKROUTE_POLICY_FILE``, or the built-in default policy."""
    spec = load_policy(settings.policy_file) if settings.policy_file else PolicyFile()
    return spec.router()


def build_sidecar(settings: Settings, connector: Connector | None = None) -> Sidecar:
    """Open the store (migrating it), build the connector and router, wire the service.

    Raises ``PolicyFileError`` or ``ConfigError`` for bad configuration and SQLAlchemy's
    ``OperationalError`` when the database cannot be reached.
    """
    router = build_router(settings)
    connector = connector or build_connector(settings)
    replica = settings.lease.replica_id or default_replica()
    store = Store.open(settings.database_url, replica, utc_now(), settings.store)
    return Sidecar(settings=settings, connector=connector, store=store, router=router)

"""Freshdesk v2: client (I/O), mapping (pure), cursor (pure) and webhook (pure)."""

from connectors.freshdesk.client import FreshdeskConnector, FreshdeskOptions

__all__ = ["FreshdeskConnector", "FreshdeskOptions"]

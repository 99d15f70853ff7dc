"""Zendesk Support: client (I/O), mapping (pure) and webhook (verify + parse, pure)."""

from connectors.zendesk.client import ZendeskConnector, ZendeskOptions

__all__ = ["ZendeskConnector", "ZendeskOptions"]

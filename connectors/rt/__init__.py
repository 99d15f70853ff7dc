"""Request Tracker 5 connector: REST 2 with token auth, unowned-ticket polling, owner writes."""

from connectors.rt.build import from_settings, rt_token
from connectors.rt.client import RtConnector, RtOptions

__all__ = ["RtConnector", "RtOptions", "from_settings", "rt_token"]

"""Loyalty read from a customer's tags: shared by every shop's mapping."""

from __future__ import annotations

import re
from collections.abc import Iterable

_VIP = re.compile(r"^vip(?:[\s:_-]+(?P<tier>[a-z0-9]+))?$", re.IGNORECASE)


def vip_tier(tags: Iterable[str]) -> str | None:
    """The VIP tier a tag names: ``VIP`` gives ``vip``, ``vip-gold``, ``VIP Gold`` or
    ``vip:gold`` give ``gold``; no such tag gives None (the first such tag wins)."""
    for tag in tags:
        found = _VIP.match(tag.strip())
        if found:
            return (found.group("tier") or "vip").lower()
    return None

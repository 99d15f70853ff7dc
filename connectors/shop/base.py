"""What every shop connector offers: customer contexts for a batch of lookup keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from connectors.transport import TransportStats
from router.customer import CustomerContext

LookupKind = Literal["email", "id"]


def lookup_kind(key: str) -> LookupKind:
    """A requester key with an ``@`` is an e-mail address, anything else the shop's
    customer id (a desk whose end users are synced from the shop shares them)."""
    return "email" if "@" in key else "id"


class Shop(Protocol):
    """A shop connector."""

    name: str
    batch_size: int
    """Most keys ``contexts`` asks for in one request."""

    def contexts(self, keys: Sequence[str]) -> Mapping[str, CustomerContext]:
        """The context of each key the shop knows (a key it does not know is left out);
        raises a ``connectors.errors.ConnectorError`` when the shop cannot be asked."""
        ...

    def traffic(self) -> TransportStats | None:
        """What went over the wire (requests by endpoint and answer, retries), for the
        metrics, as ``Connector.traffic``; None for a shop that does no HTTP."""
        ...

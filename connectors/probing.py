"""Reads the connection doctor makes: JSON or a clear error, refusals as answers, rate headers.

The vendor ``account`` modules ask a help desk who the credentials are and what it offers.
Their reads differ from routing reads in two ways: a 403/404 on an optional endpoint is an
answer ("not on this plan", "needs an admin"), not a failure; and an answer that is not JSON
means the address is wrong (a web page or a login form answered), which deserves its own
words rather than a decoding traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from connectors.budget import read_rate_headers
from connectors.classify import error_message, request_label
from connectors.errors import ConnectorError, WrongAddressError
from connectors.transport import Transport

REFUSALS = frozenset({403, 404})


@dataclass(frozen=True, kw_only=True, slots=True)
class Answer:
    """One probe's outcome: the JSON body, or the refusal (status and a short reason)."""

    data: Any = None
    status: int = 200
    reason: str = ""
    rate_limit: int | None = None
    """The account's requests per window, as the answer's rate-limit headers announced."""

    @property
    def refused(self) -> bool:
        """True when the help desk said no (403/404) instead of answering."""
        return self.status in REFUSALS


def read_json(transport: Transport, path: str, params: Mapping[str, Any] | None = None) -> Answer:
    """GET ``path`` and decode it; an answer that is not JSON raises ``WrongAddressError``."""
    response = transport.send("GET", path, params=params)
    return Answer(data=decoded(response), rate_limit=announced_limit(response))


def read_optional(
    transport: Transport, path: str, params: Mapping[str, Any] | None = None
) -> Answer:
    """``read_json``, with a 403 or 404 returned as a refused ``Answer`` instead of raised."""
    try:
        return read_json(transport, path, params)
    except ConnectorError as error:
        if error.status not in REFUSALS or isinstance(error, WrongAddressError):
            raise
        return Answer(status=error.status or 0, reason=str(error))


def decoded(response: requests.Response) -> Any:
    """The JSON body of ``response``; anything else is the wrong address answering."""
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        where = request_label(response.request.method or "GET", response.url)
        raise WrongAddressError(
            f"{where}: answered {kind}, not JSON ({error_message(response.text)[:80]!r}): "
            "this address does not serve the help desk's API",
            status=response.status_code,
        ) from None


def announced_limit(response: requests.Response) -> int | None:
    """The account limit the rate-limit headers announce (None when none was sent)."""
    return read_rate_headers(response.headers).limit

"""Forgiving base URLs: what a user pastes into ``*_BASE_URL`` turned into the API base.

People copy an address from wherever they found it: the sandbox banner
(``http://127.0.0.1:8765/zendesk/api/v2``), a curl example (``.../api/v2/tickets.json``),
RT's REST docs (``.../REST/2.0``) or the browser's address bar (``.../agent/tickets/5``).
The connectors add the API path themselves, so everything from the API (or web UI) part on
is dropped; scheme, host, port and any prefix before it (a proxy path, the sandbox's
``/zendesk``) are kept. An address that cannot be a base is refused, naming the variable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, urlsplit

from config.settings import ConfigError

log = logging.getLogger("deskroute.connectors")

API_MARKERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "zendesk": (("api", "v2"),),
    "freshdesk": (("api", "v2"),),
    "rt": (("REST", "2.0"),),
}
"""Path segments where the API begins: the base is what comes before them."""
UI_MARKERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "zendesk": (("agent",), ("hc",)),
    "freshdesk": (("a",), ("helpdesk",)),
    "rt": (),
}
"""Web-interface paths (the agent workspace, the help center) pasted from a browser."""
UNSUPPORTED: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "rt": (
        (
            ("REST", "1.0"),
            "is RT's REST 1.0 API; deskroute speaks REST 2 — give RT's "
            "web address, e.g. https://rt.example.com",
        ),
    ),
}
SECRET_WORDS = ("token", "key", "secret", "password", "passwd", "auth", "signature", "sig")
"""A query parameter whose name contains one of these may carry a credential."""


@dataclass(frozen=True, kw_only=True, slots=True)
class BaseUrl:
    """The API base deskroute uses, and what it left out of the address it was given."""

    url: str
    given: str
    stripped: str = ""
    """The part of ``given`` that was dropped (``/api/v2``); query values never appear."""
    variable: str = ""
    """The setting it came from (empty: a built-in default such as the sandbox's)."""

    @property
    def changed(self) -> bool:
        """True when ``url`` is not what the user wrote (beyond a trailing slash)."""
        return bool(self.stripped)

    def note(self) -> str:
        """A plain sentence on what was used, for logs and ``config check``."""
        if not self.changed:
            return f"using {self.url}"
        return f"using {self.url} (left out {self.stripped}; deskroute adds the API path)"


class BaseUrlError(ValueError):
    """The address cannot be an API base; the message says why (never with a secret)."""


def normalise_base_url(given: str, vendor: str, variable: str = "") -> BaseUrl:
    """The API base for ``vendor`` (``zendesk``, ``freshdesk``, ``rt``) within ``given``.

    Raises ``BaseUrlError`` for an address without an http(s) scheme or host, with a user
    name or password in it, or with a query parameter that may carry a credential.
    """
    text = given.strip()
    parts = _split(text)
    segments = [segment for segment in parts.path.split("/") if segment]
    _refuse_unsupported(segments, vendor)
    keep = _cut(segments, API_MARKERS.get(vendor, ()))
    if keep is None:
        keep = _cut(segments, UI_MARKERS.get(vendor, ()))
    kept = segments if keep is None else segments[:keep]
    dropped = "" if keep is None else "/" + "/".join(segments[keep:])
    dropped += _dropped_query(parts) + ("#…" if parts.fragment else "")
    prefix = "".join(f"/{segment}" for segment in kept)
    url = f"{parts.scheme.lower()}://{parts.netloc.lower()}{prefix}"
    return BaseUrl(url=url, given=text, stripped=dropped, variable=variable)


def _split(text: str) -> SplitResult:
    """The parsed address, or ``BaseUrlError`` when it has no usable scheme or host."""
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a port that is not a number
    except ValueError as error:
        raise BaseUrlError(f"is not a valid address ({error})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BaseUrlError("must start with https:// (or http:// for a local server)")
    if not parts.hostname:
        raise BaseUrlError("has no host name (e.g. https://acme.zendesk.com)")
    if parts.username is not None or parts.password is not None:
        raise BaseUrlError(
            "must not contain a user name or password; put credentials in their own variables"
        )
    if port == 0:
        raise BaseUrlError("has port 0, which nothing can listen on")
    return parts


def _refuse_unsupported(segments: list[str], vendor: str) -> None:
    for marker, reason in UNSUPPORTED.get(vendor, ()):
        if _find(segments, marker) is not None:
            raise BaseUrlError(reason)


def _cut(segments: list[str], markers: tuple[tuple[str, ...], ...]) -> int | None:
    """Index of the first segment where any marker begins (None: no marker found)."""
    found = [index for marker in markers if (index := _find(segments, marker)) is not None]
    return min(found) if found else None


def _find(segments: list[str], marker: tuple[str, ...]) -> int | None:
    """Where ``marker`` occurs as whole consecutive segments (case-insensitive)."""
    wanted = [part.lower() for part in marker]
    lowered = [segment.lower() for segment in segments]
    for index in range(len(lowered) - len(wanted) + 1):
        if lowered[index : index + len(wanted)] == wanted:
            return index
    return None


def _dropped_query(parts: SplitResult) -> str:
    """``?name&...`` for a dropped query (names only); a credential-like one is refused."""
    if not parts.query:
        return ""
    names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    risky = [name for name in names if any(word in name.lower() for word in SECRET_WORDS)]
    if risky:
        raise BaseUrlError(
            f"has a query parameter that may hold a credential ({risky[0]}); "
            "remove the query and set credentials in their own variables"
        )
    return "?" + "&".join(names) if names else "?…"


def normalised(given: str, vendor: str, variable: str) -> BaseUrl:
    """``given`` as an API base for ``vendor``; an impossible one is a ``ConfigError``."""
    try:
        return normalise_base_url(given, vendor, variable)
    except BaseUrlError as error:
        raise ConfigError([(variable, str(error))]) from None


def logged(base: BaseUrl) -> BaseUrl:
    """``base``, after saying at INFO what was left out of the configured address."""
    if base.changed:
        log.info("%s: %s", base.variable, base.note())
    return base

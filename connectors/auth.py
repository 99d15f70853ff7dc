"""Authorization headers for each vendor's scheme, kept out of logs and reprs."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Credentials:
    """One ``Authorization`` header value; its repr never shows the secret."""

    scheme: str
    header: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Credentials(scheme={self.scheme!r}, header='***')"


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def zendesk_api_token(email: str, token: str) -> Credentials:
    """Zendesk API token: Basic auth as ``{email}/token`` with the token as password."""
    return Credentials("zendesk-api-token", _basic(f"{email}/token", token))


def zendesk_oauth(token: str) -> Credentials:
    """Zendesk OAuth access token: ``Bearer {token}``."""
    return Credentials("zendesk-oauth", f"Bearer {token}")


def freshdesk_api_key(api_key: str) -> Credentials:
    """Freshdesk API key: Basic auth with the key as user name and ``X`` as password."""
    return Credentials("freshdesk-api-key", _basic(api_key, "X"))

"""Authorization headers for each vendor's scheme, kept out of logs and reprs."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Credentials:
    """One ``Authorization`` header value; its repr never shows the secret."""

    scheme: str
    header: str = field(repr=False)
    name: str = "Authorization"
    """The header that carries it (Shopify's Admin API reads ``X-Shopify-Access-Token``)."""

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


def shopify_access_token(token: str) -> Credentials:
    """Shopify Admin API access token, sent as ``X-Shopify-Access-Token`` (shopify.dev:
    docs/api/admin-graphql#authentication)."""
    return Credentials("shopify-access-token", token, "X-Shopify-Access-Token")


def woocommerce_keys(consumer_key: str, consumer_secret: str) -> Credentials:
    """WooCommerce REST API keys: Basic auth with the consumer key and secret (over HTTPS;
    woocommerce.github.io/woocommerce-rest-api-docs#authentication-over-https)."""
    return Credentials("woocommerce-keys", _basic(consumer_key, consumer_secret))

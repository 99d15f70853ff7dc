"""Build the configured shop connector from ``ShopSettings`` (None: no shop configured)."""

from __future__ import annotations

import time

import requests

from config.settings import ConfigError, ShopSettings
from connectors.auth import Credentials, shopify_access_token, woocommerce_keys
from connectors.budget import Clock, Sleep, TokenBucket
from connectors.shop.base import Shop
from connectors.shop.shopify import ShopifyShop
from connectors.shop.woocommerce import WooCommerceShop
from connectors.transport import RetryPolicy, Transport

SHOPIFY_BUCKET = 1000
"""Cost points of the bucket until the first answer reports the real one."""
SHOPIFY_RESTORE = 50.0
"""Points a second restored until the first answer reports the real rate (shopify.dev/docs/
apps/build/apis/graphql-admin/rate-limits: a bucket and restore rate per plan)."""
SHOP_RETRY = RetryPolicy(attempts=2, initial=0.2, maximum=1.0, max_retry_after=2.0)
"""Routing never waits for the shop: one retry, short waits; the cache covers the rest."""
SANDBOX_SHOP_URL = "http://127.0.0.1:8765/shopify"


def build_shop(
    config: ShopSettings,
    session: requests.Session | None = None,
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> Shop | None:
    """The shop connector ``config`` names; missing address or token raise ``ConfigError``."""
    if config.kind == "none":
        return None
    session = session or requests.Session()
    url, token = _address(config)
    if config.kind in ("shopify", "sandbox"):
        bucket = TokenBucket(limit=SHOPIFY_BUCKET, window=SHOPIFY_BUCKET / SHOPIFY_RESTORE,
                             share=0.8, clock=clock, sleep=sleep)  # fmt: skip
        transport = _transport(url, shopify_access_token(token), session, bucket, config, sleep)
        return ShopifyShop(transport, bucket, api_version=config.api_version,
                           batch_size=config.batch_size, orders=config.orders)  # fmt: skip
    key, _, secret = token.partition(":")
    if not secret:
        raise ConfigError(
            [("DESKROUTE_SHOP__TOKEN", "WooCommerce needs consumer_key:consumer_secret")]
        )
    bucket = TokenBucket(limit=config.requests_per_minute, window=60.0, share=0.8,
                         clock=clock, sleep=sleep)  # fmt: skip
    transport = _transport(url, woocommerce_keys(key, secret), session, bucket, config, sleep)
    return WooCommerceShop(transport, batch_size=config.batch_size, orders=config.orders)


def _address(config: ShopSettings) -> tuple[str, str]:
    if config.kind == "sandbox":
        from sandbox.accounts import SANDBOX_SHOP_TOKEN

        token = config.token.get_secret_value() if config.token else SANDBOX_SHOP_TOKEN
        return config.url or SANDBOX_SHOP_URL, token
    problems = []
    if not config.url:
        problems.append(("DESKROUTE_SHOP__URL", f"required for {config.kind}"))
    if config.token is None:
        problems.append(("DESKROUTE_SHOP__TOKEN", f"required for {config.kind}"))
    if problems:
        raise ConfigError(problems)
    assert config.url is not None and config.token is not None
    return config.url, config.token.get_secret_value()


def _transport(
    url: str, credentials: Credentials, session: requests.Session, bucket: TokenBucket,
    config: ShopSettings, sleep: Sleep,
) -> Transport:  # fmt: skip
    return Transport(base_url=url, credentials=credentials, session=session,
                     budgets={"account": bucket}, retry=SHOP_RETRY,
                     timeout=config.timeout_seconds, sleep=sleep, vendor="shop")  # fmt: skip

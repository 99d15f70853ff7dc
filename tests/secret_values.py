"""Distinctive secret values for the tests to configure, one per kind of credential.

The leak guard (``tests/leak_guard.py``) fails any test whose captured output shows one of
them, so a test that sets a credential takes it from here rather than inventing ``"t"``.
"""

from __future__ import annotations

ZENDESK_API_TOKEN = "zd-api-token-7c1f0a9e2b44"
ZENDESK_OAUTH_TOKEN = "zd-oauth-token-5e8d3b1a7f60"
ZENDESK_WEBHOOK_SECRET = "zd-hook-secret-2a6c9e4d1b83"
FRESHDESK_API_KEY = "fd-api-key-9b3e7a1c5d02"
FRESHDESK_WEBHOOK_SECRET = "fd-hook-secret-4f0b8c2e6a19"
ADMIN_TOKEN = "admin-token-1d7e5a3c9f48"
RT_TOKEN = "rt-token-8a2f6c0e4b97"
DATABASE_PASSWORD = "db-password-3c9a1e7f5b20"
ZENDESK_PREVIOUS_WEBHOOK_SECRET = "zd-old-hook-secret-6e1a4c8b2d57"
FRESHDESK_PREVIOUS_WEBHOOK_SECRET = "fd-old-hook-secret-0d5b9f3a7c16"

SECRETS: dict[str, str] = {
    name: value for name, value in dict(globals()).items() if name.isupper() and name != "SECRETS"
}
"""Every value above by its constant's name."""

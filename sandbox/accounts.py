"""The sandbox's fixed credentials: public, local-only, for demos and tests."""

SANDBOX_EMAIL = "admin@sandbox.invalid"
SANDBOX_TOKEN = "sandbox-zendesk-token"
SANDBOX_OAUTH = "sandbox-oauth-token"
SANDBOX_API_KEY = "sandbox-freshdesk-key"
SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret"

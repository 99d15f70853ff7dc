"""Reading a webhook request's body: JSON content types only, and never more than the limit.

A body is refused before it is read in full: ``Content-Length`` over the limit is a 413 at
once, and a body streamed without a length stops being read as soon as it passes the limit.
"""

from __future__ import annotations

from starlette.requests import Request

from connectors.webhooks import WebhookError


def json_media_type(content_type: str) -> bool:
    """True for ``application/json`` and any ``application/...+json`` type, parameters aside."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def declared_length(content_length: str | None, limit: int) -> None:
    """Refuse a ``Content-Length`` that is not a number (400) or is over ``limit`` (413)."""
    if content_length is None:
        return
    text = content_length.strip()
    if not (text.isascii() and text.isdigit()):
        raise WebhookError(f"Content-Length is not a number: {content_length[:40]!r}")
    if int(text) > limit:
        raise WebhookError(f"webhook body is larger than {limit} bytes", status=413)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body of a JSON webhook (no ``Content-Type`` is taken as JSON), at most ``limit``.

    Raises a ``WebhookError``: 415 for another media type, 413 for a body over ``limit``.
    """
    content_type = request.headers.get("content-type")
    if content_type is not None and not json_media_type(content_type):
        shown = content_type[:60]
        raise WebhookError(f"webhook body must be application/json, not {shown!r}", status=415)
    return await _limited(request, limit)


YAML_TYPES = frozenset(
    {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
)


async def read_yaml_text(request: Request, limit: int) -> str:
    """The UTF-8 text of a YAML upload (a policy file), at most ``limit`` bytes.

    Raises a ``WebhookError``: 415 for another media type, 413 over ``limit``, 400 for bytes
    that are not UTF-8.
    """
    content_type = request.headers.get("content-type")
    media = (content_type or "text/plain").split(";", 1)[0].strip().lower()
    if media not in YAML_TYPES:
        raise WebhookError(f"body must be YAML text, not {media[:60]!r}", status=415)
    try:
        return (await _limited(request, limit)).decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookError("body is not UTF-8 text") from None


async def _limited(request: Request, limit: int) -> bytes:
    declared_length(request.headers.get("content-length"), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise WebhookError(f"webhook body is larger than {limit} bytes", status=413)
        chunks.append(chunk)
    return b"".join(chunks)

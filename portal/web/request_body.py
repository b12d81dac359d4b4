"""Request bodies, bounded before they are read.

Starlette buffers a whole body on `request.body()`, `json()` or `form()`, with no limit: one
300 MB POST grew the server by 1.2 GB and stalled every other request. `BodyLimit` wraps the
ASGI `receive` of every request, so every route, form and webhook is bounded by the same rule,
declared length or not: past MAX_REQUEST_BYTES reading stops and the request answers 413.
JSON bodies also have a content type (a cross-site `text/plain` POST needs no CORS preflight)
and a nesting depth (deep JSON exhausts the parser's recursion: a 500 before any check).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.patients.input import FieldErrors
from portal.web import text_guard

MAX_JSON_DEPTH = 32  # Créneau's own bodies nest two levels deep


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413)


class BodyLimit:
    """Refuses a body over `max_bytes`: at once when Content-Length says so, else as soon as
    the chunks read add up to more. The error is raised inside the route that reads the body
    and answered by the app's HTTPException handler (HTML or JSON, in the caller's language)."""

    def __init__(self, app: ASGIApp, max_bytes: int, wider: Sequence[tuple[re.Pattern[str], int]] = ()):
        self.app = app
        self.max_bytes = max_bytes
        # (path pattern, limit) for the few routes that take more (a photo upload): POST only.
        self.wider = tuple(wider)

    def limit(self, scope: Scope) -> int:
        if scope.get("method") == "POST":
            for pattern, limit in self.wider:
                if pattern.fullmatch(scope["path"]):
                    return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        received = 0
        max_bytes = self.limit(scope)

        async def bounded_receive() -> Message:
            nonlocal received
            if declared is not None and declared > max_bytes:
                raise BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge()
            return message

        await self.app(scope, bounded_receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def is_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "application/json"


def parse_json(raw: bytes) -> Any:
    """JSON text to Python, or FieldErrors for invalid, absurdly deep or non-text JSON, and for
    strings no database stores (NUL, lone surrogates: portal.web.text_guard), one per field."""
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise FieldErrors({"body": "Le corps de la requête n'est pas du JSON valide."}) from None
    if _too_deep(data):
        raise FieldErrors({"body": "Le corps de la requête n'est pas du JSON valide."})
    unstorable = text_guard.bad_json(data)
    if unstorable:
        raise FieldErrors(unstorable)
    return data


async def read_form(request: Request) -> FormData:
    """A form body, refused (422, one message per field) when a field holds unstorable text."""
    form = await request.form()
    unstorable = text_guard.bad_pairs(form.multi_items())
    if unstorable:
        await form.close()  # an upload beside the refused text is spooled to a file: not kept open
        raise FieldErrors(unstorable)
    return form


def _too_deep(value: Any) -> bool:
    level = [value]
    for _ in range(MAX_JSON_DEPTH + 1):
        level = [child for item in level if isinstance(item, (dict, list))
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return True


async def read_json_object(request: Request) -> tuple[bytes, dict]:
    """The body of a JSON endpoint: the raw bytes (for idempotency digests) and the object."""
    if not is_json(request):
        raise HTTPException(415)
    raw = await request.body()
    data = parse_json(raw)
    if not isinstance(data, dict):
        raise FieldErrors({"body": "Le corps de la requête doit être un objet JSON."})
    return raw, data

"""Text a database cannot store is refused at the edges, in one place.

PostgreSQL refuses a NUL character in text (asyncpg: CharacterNotInRepertoireError, a 500 from
any query given it) and no database takes a lone surrogate (valid in JSON as "\\ud800", not
text). SQLite stores both, so the same request answered 200 on one and 500 on the other.
Every way text comes in is checked before any use case sees it: the path (slugs, tokens) and
the query string here, in `RefuseUnstorableText`; JSON bodies and form fields where they are
read (`portal.web.request_body`). The answer is 4xx on every database.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

MESSAGE = "Ce texte contient un caractère non autorisé."
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: str) -> bool:
    return _UNSTORABLE.search(value) is not None


def bad_pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """{field name: message} for each pair whose name or text value cannot be stored."""
    return {_printable_name(name): MESSAGE for name, value in pairs
            if unstorable(name) or (isinstance(value, str) and unstorable(value))}


def bad_json(value: Any, path: str = "") -> dict[str, str]:
    """{dotted path: message} for every unstorable string (keys included) in parsed JSON."""
    if isinstance(value, str):
        return {path or "body": MESSAGE} if unstorable(value) else {}
    found: dict[str, str] = {}
    if isinstance(value, dict):
        for key, child in value.items():
            name = f"{path}.{_printable_name(key)}" if path else _printable_name(key)
            found.update({name: MESSAGE} if unstorable(key) else bad_json(child, name))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.update(bad_json(child, f"{path}[{index}]"))
    return found


def _printable_name(name: str) -> str:
    return _UNSTORABLE.sub("\ufffd", name)[:64]


# (request, status, {field: message}) -> the answer, in the app's JSON or HTML error shape.
Refusal = Callable[[Request, int, dict[str, str]], Awaitable[Response]]


class RefuseUnstorableText:
    """A path or query string holding unstorable text: 404 for the path (it names nothing),
    422/400 for a query parameter, before any route runs."""

    def __init__(self, app: ASGIApp, refuse: Refusal):
        self.app = app
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, fields = 0, {}
        if unstorable(scope.get("path", "")):
            status, fields = 404, {"path": MESSAGE}
        else:
            # Decoded as Starlette's QueryParams decodes it, so that the check sees what routes get.
            query = scope.get("query_string", b"").decode("latin-1")
            fields = bad_pairs(parse_qsl(query, keep_blank_values=True))
            status = 422 if fields else 0
        if not status:
            await self.app(scope, receive, send)
            return
        response = await self.refuse(Request(scope, receive), status, fields)
        await response(scope, receive, send)

"""Keyset cursors in links ("?suite=", "?cursor="): URL-safe base64 of a JSON list of texts then
an id, e.g. ["Martin", "Camille", 42]. A cursor comes back from the browser, so it is untrusted
input like any other: decoding refuses anything but that exact shape, with texts the databases
can store and compare (no NUL, no lone surrogate; bounded) and an id a primary key can hold
(PostgreSQL refuses a number past int32, SQLite past int64) — a tampered link is a 4xx, never a
500."""

from __future__ import annotations

import base64
import binascii
import json

from portal import access
from portal.web.text_guard import unstorable

MAX_CURSOR_LENGTH = 2_000
MAX_TEXT_LENGTH = 300


def encode(*key: str | int) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key), ensure_ascii=False).encode()).decode().rstrip("=")


def decode(raw: str, texts: int) -> tuple | None:
    """(text_1, …, text_n, id), or None when the cursor is not one this site wrote."""
    if len(raw) > MAX_CURSOR_LENGTH:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(value, list) or len(value) != texts + 1 or not access.is_id(value[-1]):
        return None
    if not all(isinstance(text, str) and len(text) <= MAX_TEXT_LENGTH and not unstorable(text) for text in value[:-1]):
        return None
    return tuple(value)

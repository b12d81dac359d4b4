"""A booking form books once: a double tap, or a resend after a slow network, shows the booking
the first submit made instead of "this slot was just taken".

Each rendered form carries a random `form_key`. A submit reserves the key of (form_key, what was
submitted) exactly as the API reserves an Idempotency-Key (portal.web.api.idempotency.claim) and
the booking's own transaction writes the answer into it. Only bookings made are kept: a refused
submit frees its key, so the corrected form (other values, so another key anyway) or a retry runs.
The submitted values are part of the key, so going back and booking again for someone else from
the same page is a new booking, while an identical resend is the same one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import secrets
import time

from starlette.datastructures import FormData
from starlette.requests import Request

from portal.booking.book import Idempotency
from portal.models import IdempotencyRecord
from portal.web import request_ctx
from portal.web.api import idempotency

FIELD = "form_key"
_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# The CSRF token may be fresh on a resend; it says nothing about what is being booked.
_NOT_CONTENT = {"csrf_token", FIELD}
# How long a second submit waits for the first one still running (a booking takes milliseconds;
# this only covers a slow database). Past it, the patient is asked to reload.
WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05


def new_key() -> str:
    return secrets.token_urlsafe(18)


def form_key(form: FormData) -> str:
    """The submitted key when it looks like one of ours, else a fresh one for the next render."""
    raw = form.get(FIELD)
    return raw if isinstance(raw, str) and _SHAPE.match(raw) else new_key()


def record_key(form: FormData) -> str | None:
    """The idempotency key of this submit, or None for a form sent without a key (an old page)."""
    raw = form.get(FIELD)
    if not isinstance(raw, str) or not _SHAPE.match(raw):
        return None
    content = sorted((name, str(value)) for name, value in form.multi_items() if name not in _NOT_CONTENT)
    digest = hashlib.sha256(json.dumps([raw, content], ensure_ascii=False).encode()).hexdigest()
    return "form:" + digest


def booking(key: str) -> Idempotency:
    # Only the appointment's id is kept: the manage link is unsealed from the appointment on replay.
    return Idempotency(key, key.removeprefix("form:"), lambda result: {"id": result.appointment_id})


async def claim(request: Request, key: str) -> str | None:
    """None when this submit now owns the key (it must book, then keep or release it); otherwise
    the manage token of the booking an identical submit made ("" if it is still running after
    WAIT_SECONDS)."""
    digest = key.removeprefix("form:")
    secret_key = str(request.app.state.settings.secret_key)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        record = await idempotency.claim(key, digest, request_ctx(request).now)
        if record is None:
            return None
        if record.status_code != idempotency.IN_PROGRESS:
            token = await idempotency.booked_token(record, secret_key)
            if token:
                return token
            # An answer we cannot replay (its appointment is gone): book afresh.
            await IdempotencyRecord.filter(id=record.id).delete()
            continue
        if time.monotonic() > deadline:
            return ""
        await asyncio.sleep(POLL_SECONDS)


async def release(key: str) -> None:
    await idempotency.release(key)

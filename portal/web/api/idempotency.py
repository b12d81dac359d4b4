"""Idempotency-Key: the first answer given for a key is the answer to every retry with it.

A request first reserves its key (a row with no answer yet), so a retry arriving while the first
is still running is told to come back instead of racing it. The booking's own transaction then
writes the 201 answer into that row, atomically with the booking; a refusal is written after.
A stored 201 holds no token: the manage link is rebuilt from the appointment's sealed token.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from starlette.responses import JSONResponse, Response
from tortoise.exceptions import IntegrityError

from portal.errors import IdempotencyMismatch
from portal.links import manage_url, unseal_manage_token
from portal.models import Appointment, IdempotencyRecord
from portal.web import json_error, translate

IN_PROGRESS = 0
# A reservation this old belongs to a request that died (a killed process): take it over.
ABANDONED_AFTER = timedelta(seconds=60)


async def reserve(key: str, digest: str, now: datetime, settings, locale: str = "fr") -> Response | None:
    """None when this request now owns the key; otherwise the response to give."""
    for _ in range(3):
        try:
            await IdempotencyRecord.create(key=key, request_sha256=digest, status_code=IN_PROGRESS, body="",
                                           created_at=now)
            return None
        except IntegrityError:
            record = await IdempotencyRecord.get_or_none(key=key)
        if record is None:
            continue  # purged in between: try again
        if record.request_sha256 != digest:
            raise IdempotencyMismatch("Cette clé d'idempotence a déjà servi pour une autre requête.")
        if record.status_code != IN_PROGRESS:
            return await replay(record, settings)
        if record.created_at > now - ABANDONED_AFTER:
            break
        await IdempotencyRecord.filter(id=record.id, status_code=IN_PROGRESS).delete()
    return json_error(409, "request_in_progress", translate(
        "Une requête avec cette clé est en cours : réessayez dans un instant.", locale),
                      headers={"Retry-After": "1"})


async def replay(record: IdempotencyRecord, settings) -> Response:
    body = json.loads(record.body)
    if record.status_code == 201:
        sealed = await Appointment.filter(id=body["id"]).values_list("manage_token_sealed", flat=True)
        token = unseal_manage_token(sealed[0] if sealed else "", str(settings.secret_key))
        body["manage_url"] = manage_url(settings.base_url, token) if token else None
    return JSONResponse(body, status_code=record.status_code, headers={"Idempotent-Replayed": "true"})


def stored_body(body: dict) -> dict:
    """What is kept of a 201: everything but the secret link."""
    return {name: value for name, value in body.items() if name != "manage_url"}


async def settle(key: str, response: Response) -> Response:
    """Record a refusal (409, 422…) as the key's answer."""
    await IdempotencyRecord.filter(key=key, status_code=IN_PROGRESS).update(
        status_code=response.status_code, body=response.body.decode())
    return response


async def release(key: str) -> None:
    """Free the key after an unexpected failure, so that a retry runs again."""
    await IdempotencyRecord.filter(key=key, status_code=IN_PROGRESS).delete()

"""Idempotency-Key: the first answer given for a key is the answer to every retry with it.

A request first reserves its key (a row with no answer yet), so a retry arriving while the first
is still running is told to come back instead of racing it. The booking's own transaction then
writes the 201 answer into that row, atomically with the booking; a refusal is written after.
A stored 201 holds no token: the manage link is rebuilt from the appointment's sealed token.

Scope. The API has no accounts, so a "client" is whatever a caller can show: its network
address, and the exact request it sends. A key is therefore stored as a hash of the client's
network (the IPv4 address, or the IPv6 /64 a device keeps across its privacy addresses) and the
key: the same key from another network is another key, never a replay of someone else's answer
(which would hand over their manage link), and says nothing about whether it was used. Within a
scope the body must be the same (422 otherwise). A retry is a client retrying within seconds,
from where it stood; one that moved network meanwhile is handled as a new request — the slot its
first request took answers 409 and nothing is booked twice, and the confirmation carries the link.
The raw key is never stored.
"""

from __future__ import annotations

import hashlib
import ipaddress
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


def scoped_key(key: str, client_ip: str) -> str:
    """What is stored for `key` sent from `client_ip` (see the module's docstring)."""
    return hashlib.sha256(f"{client_network(client_ip)}\n{key}".encode()).hexdigest()


def client_network(client_ip: str) -> str:
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address.ipv4_mapped or address) if isinstance(address, ipaddress.IPv6Address) else str(address)


async def claim(key: str, digest: str, now: datetime) -> IdempotencyRecord | None:
    """None when this request now owns the key; otherwise the record holding it (answered, or
    still in progress). The API and the booking form (portal.web.patient.form_once) share it."""
    record = None
    for _ in range(3):
        try:
            await IdempotencyRecord.create(key=key, request_sha256=digest, status_code=IN_PROGRESS, body="",
                                           created_at=now)
            return None
        except IntegrityError:
            record = await IdempotencyRecord.get_or_none(key=key)
        if record is None:
            continue  # purged in between: try again
        if record.status_code != IN_PROGRESS or record.created_at > now - ABANDONED_AFTER:
            return record
        await IdempotencyRecord.filter(id=record.id, status_code=IN_PROGRESS).delete()
    # Still contended after three tries: say "in progress" rather than run twice.
    return record or IdempotencyRecord(key=key, request_sha256=digest, status_code=IN_PROGRESS, body="")


async def reserve(key: str, digest: str, now: datetime, settings, locale: str = "fr") -> Response | None:
    """None when this request now owns the key; otherwise the response to give."""
    record = await claim(key, digest, now)
    if record is None:
        return None
    if record.request_sha256 != digest:
        raise IdempotencyMismatch("Cette clé d'idempotence a déjà servi pour une autre requête.")
    if record.status_code != IN_PROGRESS:
        return await replay(record, settings)
    return json_error(409, "request_in_progress", translate(
        "Une requête avec cette clé est en cours : réessayez dans un instant.", locale),
                      headers={"Retry-After": "1"})


async def booked_token(record: IdempotencyRecord, secret_key: str) -> str | None:
    """The manage token of the booking a 201 record answered, from the appointment's sealed copy."""
    appointment_id = json.loads(record.body).get("id") if record.status_code == 201 else None
    sealed = await Appointment.filter(id=appointment_id).values_list("manage_token_sealed", flat=True) \
        if isinstance(appointment_id, int) else []
    return unseal_manage_token(sealed[0], secret_key) if sealed else None


async def replay(record: IdempotencyRecord, settings) -> Response:
    body = json.loads(record.body)
    if record.status_code == 201:
        token = await booked_token(record, str(settings.secret_key))
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

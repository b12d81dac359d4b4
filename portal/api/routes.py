"""The JSON API (/api/v1). Routes parse, call a use case, and shape the answer; domain errors
become responses in the app's exception handlers."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tortoise.exceptions import IntegrityError

from portal.api import catalog
from portal.api.openapi import openapi_document
from portal.api.serialize import booking_created, managed_booking, rfc3339
from portal.clock import utcnow
from portal.links import manage_url, unseal_manage_token
from portal.models import Appointment, IdempotencyRecord
from portal.patient_input import FieldErrors
from portal.usecases.availability import MAX_RANGE_DAYS, list_slots, load_target
from portal.usecases.booking import BookingRequest, Idempotency, IdempotentReplay, book_appointment
from portal.usecases.errors import DomainError, IdempotencyMismatch
from portal.usecases.manage import cancel_appointment, find_booking, reschedule_appointment
from portal.web import client_ip, json_error, request_locale


async def _json_body(request: Request) -> tuple[bytes, dict]:
    raw = await request.body()
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise FieldErrors({"body": "Le corps de la requête n'est pas du JSON valide."}) from None
    if not isinstance(data, dict):
        raise FieldErrors({"body": "Le corps de la requête doit être un objet JSON."})
    return raw, data


async def practitioners(request: Request) -> JSONResponse:
    practice = request.query_params.get("practice")
    return JSONResponse({"practitioners": await catalog.public_practitioners(practice)})


def _date_param(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FieldErrors({name: "Indiquez une date au format AAAA-MM-JJ."}) from None


async def slots(request: Request) -> JSONResponse:
    service = request.query_params.get("service")
    if not service:
        raise FieldErrors({"service": "Indiquez la prestation (paramètre service)."})
    target = await load_target(request.path_params["slug"], service)
    now = utcnow()
    today = now.astimezone(target.tz).date()
    first = _date_param(request, "from", today)
    last = _date_param(request, "to", first + timedelta(days=13))
    if last < first:
        raise FieldErrors({"to": "La date de fin doit suivre la date de début."})
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise FieldErrors({"to": f"La période est limitée à {MAX_RANGE_DAYS} jours."})
    found = await list_slots(target, first, last, now)
    return JSONResponse({
        "timezone": str(target.tz),
        "slots": [{"start": rfc3339(s.start, target.tz), "end": rfc3339(s.end, target.tz)} for s in found],
    })


async def _replay(record: IdempotencyRecord, settings) -> Response:
    """The first answer again. A stored 201 holds no token: the manage link is rebuilt from the
    appointment's sealed token, so no secret sits in clear in the replay table."""
    body = json.loads(record.body)
    if record.status_code == 201:
        sealed = await Appointment.filter(id=body["id"]).values_list("manage_token_sealed", flat=True)
        token = unseal_manage_token(sealed[0] if sealed else "", str(settings.secret_key))
        body["manage_url"] = manage_url(settings.base_url, token) if token else None
    return JSONResponse(body, status_code=record.status_code, headers={"Idempotent-Replayed": "true"})


def _without_link(body: dict) -> dict:
    return {name: value for name, value in body.items() if name != "manage_url"}


async def _remember(key: str | None, digest: str, response: Response) -> Response:
    """Keep a refused answer too, so a retry with the same key gets the same answer."""
    if key:
        try:
            await IdempotencyRecord.create(key=key, request_sha256=digest, status_code=response.status_code,
                                           body=response.body.decode())
        except IntegrityError:
            pass
    return response


async def create_booking(request: Request) -> Response:
    limiter = request.app.state.booking_limiter
    wait = limiter.hit(f"ip:{client_ip(request)}")
    if wait is not None:
        return json_error(429, "too_many_requests", "Trop de réservations depuis cette adresse : réessayez plus tard.",
                          headers={"Retry-After": str(int(wait) + 1)})
    raw, data = await _json_body(request)
    key = request.headers.get("idempotency-key") or None
    digest = hashlib.sha256(raw).hexdigest()
    if key is not None:
        if len(key) > 255:
            raise FieldErrors({"Idempotency-Key": "La clé d'idempotence est limitée à 255 caractères."})
        record = await IdempotencyRecord.get_or_none(key=key)
        if record is not None:
            if record.request_sha256 != digest:
                raise IdempotencyMismatch("Cette clé d'idempotence a déjà servi pour une autre requête.")
            return await _replay(record, request.app.state.settings)
    settings = request.app.state.settings
    booking = BookingRequest(
        practitioner=str(data.get("practitioner", "")), service=str(data.get("service", "")),
        start=data.get("start"), patient=data.get("patient"), consents=data.get("consents"),
        comment=data.get("comment", ""), locale=request_locale(request), ip=client_ip(request), channel="api",
    )
    idempotency = Idempotency(key, digest, lambda r: _without_link(booking_created(r, settings.base_url))) if key else None
    try:
        result = await book_appointment(booking, now=utcnow(), secret_key=str(settings.secret_key),
                                        idempotency=idempotency)
    except IdempotentReplay as replay:
        return await _replay(replay.record, settings)
    except DomainError as exc:
        if exc.status >= 500:
            raise
        return await _remember(key, digest, request.app.state.domain_error_response(request, exc))
    except FieldErrors as exc:
        return await _remember(key, digest, request.app.state.field_errors_response(request, exc))
    return JSONResponse(booking_created(result, settings.base_url), status_code=201)


async def get_booking(request: Request) -> JSONResponse:
    booking = await find_booking(request.path_params["token"])
    return JSONResponse(managed_booking(booking, utcnow()), headers={"Referrer-Policy": "no-referrer"})


async def cancel_booking(request: Request) -> JSONResponse:
    now = utcnow()
    booking = await cancel_appointment(request.path_params["token"], now=now)
    return JSONResponse(managed_booking(booking, now))


async def reschedule_booking(request: Request) -> JSONResponse:
    _, data = await _json_body(request)
    now = utcnow()
    booking = await reschedule_appointment(request.path_params["token"], data.get("start"), now=now)
    return JSONResponse(managed_booking(booking, now))


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document(request.app.state.settings.base_url))


routes = [
    Route("/api/v1/openapi.json", openapi),
    Route("/api/v1/practitioners", practitioners),
    Route("/api/v1/practitioners/{slug}/slots", slots),
    Route("/api/v1/bookings", create_booking, methods=["POST"]),
    Route("/api/v1/bookings/{token}", get_booking),
    Route("/api/v1/bookings/{token}/cancel", cancel_booking, methods=["POST"]),
    Route("/api/v1/bookings/{token}/reschedule", reschedule_booking, methods=["POST"]),
]

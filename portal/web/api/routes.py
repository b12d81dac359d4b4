"""The JSON API (/api/v1). Routes parse, call a use case, and shape the answer; domain errors
become responses in the app's exception handlers."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal import access
from portal.booking.availability import MAX_RANGE_DAYS, list_slots, load_target
from portal.booking.book import BookingRequest, Idempotency, book_appointment, plausible
from portal.booking.confirm import confirm_booking
from portal.booking.manage import cancel_appointment, reschedule_appointment
from portal.errors import DomainError
from portal.patients import consent_texts
from portal.patients.input import FieldErrors
from portal.web import as_patient, client_ip, json_error, request_ctx, request_locale, translate
from portal.web.api import catalog, idempotency
from portal.web.api.openapi import openapi_document
from portal.web.api.serialize import booking_created, managed_booking, rfc3339
from portal.web.ratelimit import retry_after
from portal.web.request_body import read_json_object


async def practitioners(request: Request) -> JSONResponse:
    params = request.query_params
    filters = catalog.parse_filters(params)
    limit = catalog.parse_limit(params.get("limit"))
    cursor = catalog.decode_cursor(params.get("cursor"))
    page = await catalog.practitioner_page(request_ctx(request), filters, limit=limit, cursor=cursor)
    return JSONResponse({"items": page.items, "next": page.next})


def _date_param(request: Request, name: str, default: date) -> date:
    raw = request.query_params.get(name)
    if not raw:  # absent or empty (`?from=`): not given
        return default
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise FieldErrors({name: "Indiquez une date au format AAAA-MM-JJ."}) from None
    if not plausible(value):
        raise FieldErrors({name: "Indiquez une date au format AAAA-MM-JJ."})
    return value


async def slots(request: Request) -> JSONResponse:
    service = request.query_params.get("service")
    if not service:
        raise FieldErrors({"service": "Indiquez la prestation (paramètre service)."})
    target = await load_target(request.path_params["slug"], service)
    now = request_ctx(request).now
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


async def create_booking(request: Request) -> Response:
    settings = request.app.state.settings
    wait = (await request.app.state.throttles.attempt(client_ip(request), request_ctx(request).now)).wait
    if wait is not None:
        return json_error(429, "too_many_requests", translate(
            "Trop de demandes depuis cette adresse : réessayez plus tard.", request_locale(request)),
                          headers=retry_after(wait))
    raw, data = await read_json_object(request)
    key = request.headers.get("idempotency-key") or None
    if key is None:
        return await _book(request, data, None)
    if len(key) > 255:
        raise FieldErrors({"Idempotency-Key": "La clé d'idempotence est limitée à 255 caractères."})
    key = idempotency.scoped_key(key, client_ip(request))  # one client's key never replays another's
    digest = hashlib.sha256(raw).hexdigest()
    answered = await idempotency.reserve(key, digest, request_ctx(request).now, settings, request_locale(request))
    if answered is not None:
        return answered
    try:
        response = await _book(request, data, Idempotency(
            key, digest, lambda result: idempotency.stored_body(booking_created(result, settings.base_url))))
    except BaseException:
        await idempotency.release(key)
        raise
    if response.status_code == 429 or response.status_code >= 500:
        # Not an answer to the request but to the moment: a retry after Retry-After must run again.
        await idempotency.release(key)
    elif response.status_code != 201:
        await idempotency.settle(key, response)
    return response


async def _book(request: Request, data: dict, keyed: Idempotency | None) -> Response:
    settings = request.app.state.settings
    patient = data.get("patient")
    # One booking reserved for the client and the phone number; given back if it fails, so
    # only bookings made count.
    held = await request.app.state.throttles.reserve(
        client_ip(request), patient.get("phone") if isinstance(patient, dict) else None, request_ctx(request).now)
    if held.wait is not None:
        return json_error(429, "too_many_requests", translate(
            "Trop de réservations : réessayez plus tard.", request_locale(request)), headers=retry_after(held.wait))
    booking = BookingRequest(
        practitioner=str(data.get("practitioner", "")), service=str(data.get("service", "")),
        start=data.get("start"), patient=data.get("patient"), consents=data.get("consents"),
        comment=data.get("comment", ""), child=data.get("child"),
    )
    try:
        result = await held.counted(book_appointment(request_ctx(request), booking,
                                                     secret_key=str(settings.secret_key), idempotency=keyed,
                                                     utf8_mailboxes=settings.utf8_mailboxes))
    except DomainError as exc:
        if exc.status >= 500:
            raise
        return request.app.state.domain_error_response(request, exc)
    except FieldErrors as exc:
        return request.app.state.field_errors_response(request, exc)
    return JSONResponse(booking_created(result, settings.base_url), status_code=201)


async def get_booking(request: Request) -> JSONResponse:
    ctx = as_patient(request)
    booking = await access.booking_by_token(ctx, request.path_params["token"])
    return JSONResponse(managed_booking(booking, ctx.now), headers={"Referrer-Policy": "no-referrer"})


async def cancel_booking(request: Request) -> JSONResponse:
    ctx = as_patient(request)
    booking = await cancel_appointment(ctx, request.path_params["token"])
    return JSONResponse(managed_booking(booking, ctx.now))


async def confirm_held_booking(request: Request) -> JSONResponse:
    """A held booking (the practice asks for a confirmation) confirmed with the code sent to the patient."""
    _, data = await read_json_object(request)
    ctx = as_patient(request)
    booking = await confirm_booking(ctx, request.path_params["token"], data.get("code"),
                                    secret_key=str(request.app.state.settings.secret_key))
    return JSONResponse(managed_booking(booking, ctx.now))


async def reschedule_booking(request: Request) -> JSONResponse:
    _, data = await read_json_object(request)
    ctx = as_patient(request)
    booking = await reschedule_appointment(ctx, request.path_params["token"], data.get("start"))
    return JSONResponse(managed_booking(booking, ctx.now))


async def privacy_notice(request: Request) -> JSONResponse:
    """The notice a client shows before booking, and sends back as `consents.privacy_notice`."""
    notice = consent_texts.privacy_notice(request_locale(request))
    base_url = request.app.state.settings.base_url
    url = f"{base_url}/privacy?version={notice.version}&lang={request_locale(request)}"
    return JSONResponse({"version": notice.version, "sha256": notice.sha256, "url": url})


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document(request.app.state.settings.base_url))


routes = [
    Route("/api/v1/openapi.json", openapi),
    Route("/api/v1/privacy-notice", privacy_notice),
    Route("/api/v1/practitioners", practitioners),
    Route("/api/v1/practitioners/{slug}/slots", slots),
    Route("/api/v1/bookings", create_booking, methods=["POST"]),
    Route("/api/v1/bookings/{token}", get_booking),
    Route("/api/v1/bookings/{token}/cancel", cancel_booking, methods=["POST"]),
    Route("/api/v1/bookings/{token}/reschedule", reschedule_booking, methods=["POST"]),
    Route("/api/v1/bookings/{token}/confirm", confirm_held_booking, methods=["POST"]),
]

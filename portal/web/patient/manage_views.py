"""Manage a booking with its token: see it, cancel, move, change reminders, download the .ics.

Every page here carries the token in its URL: `token_page=True` sends Referrer-Policy
no-referrer and Cache-Control no-store.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import access
from portal.booking.availability import load_target
from portal.booking.book import parse_start
from portal.booking.confirm import confirm_booking
from portal.booking.manage import cancel_appointment, change_refusal, reschedule_appointment, set_reminders
from portal.booking.managed import ManagedBooking
from portal.errors import DomainError, SlotTaken
from portal.models import AppointmentStatus
from portal.patients import consent_texts
from portal.patients.input import FieldErrors
from portal.web import as_patient, request_ctx, request_locale, translate
from portal.web.patient import csrf
from portal.web.patient.errors import N_, error_page
from portal.web.patient.rendering import render
from portal.web.patient.week import load_week, parse_week
from portal.web.request_body import read_form

DONE_MESSAGES = {
    "cancelled": N_("Votre rendez-vous est annulé. Le cabinet est prévenu."),
    "moved": N_("Votre rendez-vous est déplacé. Une confirmation vous est envoyée."),
    "reminders": N_("Vos choix de rappels sont enregistrés."),
}


def _message(request: Request, exc: DomainError) -> str:
    """The error in the visitor's language, its parameters filled in (the template's t() then
    leaves it as it is)."""
    locale = request_locale(request)
    return exc.translated(lambda text: translate(text, locale))


def _token(request: Request) -> str:
    return request.path_params["token"]


async def _booking(request: Request) -> ManagedBooking:
    return await access.booking_by_token(as_patient(request), _token(request))


async def _context(request: Request, booking: ManagedBooking) -> dict:
    appointment = booking.appointment
    service = appointment.service
    practitioner = appointment.practitioner
    now = request_ctx(request).now
    return {
        "booking": booking, "appointment": appointment, "practice": booking.practice,
        "practitioner": practitioner, "service": {"name": service.name, "name_en": service.name_en,
                                                  "duration_minutes": service.duration_minutes,
                                                  "price_cents": service.price_cents},
        "patient": appointment.patient, "tz": ZoneInfo(booking.practice.timezone),
        "changeable": booking.changeable(now), "past": appointment.starts_at <= now,
    }


def _not_changeable(request: Request, booking: ManagedBooking, context: dict) -> Response:
    """The manage page, 409, saying why this booking can no longer move (cancelled, too close)."""
    refusal = change_refusal(booking, request_ctx(request).now)
    return _manage_page(request, context, status=409, error=_message(request, refusal) if refusal else None)


def _manage_page(request: Request, context: dict, *, status: int = 200, error: str | None = None) -> Response:
    locale = request_locale(request)
    # The checkbox labels are the very texts the ledger records (and hashes) on a change.
    opt_ins = {name: consent_texts.opt_in(name, locale).text for name in ("email_reminders", "sms_reminders")}
    context = {**context, "token": _token(request), "error": error, "opt_in_texts": opt_ins,
               "new": bool(request.query_params.get("new")),
               "done": DONE_MESSAGES.get(request.query_params.get("done", ""))}
    return render(request, "portal/manage.html", context, status=status, token_page=True)


async def manage(request: Request) -> Response:
    booking = await _booking(request)
    if booking.appointment.status == AppointmentStatus.HELD:  # waiting for the code
        return await _confirm_page(request, booking, request.query_params.get("code", ""))
    return _manage_page(request, await _context(request, booking))


async def _confirm_page(request: Request, booking: ManagedBooking, code: str, *, errors: dict | None = None,
                        status: int = 200) -> Response:
    """The held booking's code form (the e-mail's link fills the code in; the POST confirms, so a
    mail scanner that follows links confirms nothing)."""
    context = {**await _context(request, booking), "token": _token(request), "values": {"code": code[:12]},
               "errors": errors or {}}
    return render(request, "portal/confirm.html", context, status=status, token_page=True)


async def confirm_form(request: Request) -> Response:
    booking = await _booking(request)
    if booking.appointment.status != AppointmentStatus.HELD:
        return RedirectResponse(f"/b/{_token(request)}", status_code=303)
    return await _confirm_page(request, booking, request.query_params.get("code", ""))


async def confirm(request: Request) -> Response:
    form = await request.form()
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return _csrf_refused(request)
    code = str(form.get("code", ""))
    try:
        await confirm_booking(as_patient(request), _token(request), code,
                              secret_key=str(request.app.state.settings.secret_key))
    except FieldErrors as exc:
        return await _confirm_page(request, await _booking(request), code, errors=exc.fields, status=422)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return error_page(request, exc.status, _message(request, exc))
    return RedirectResponse(f"/b/{_token(request)}?new=1", status_code=303)


def _csrf_refused(request: Request) -> Response:
    return error_page(request, 403, N_("Pour votre sécurité, cette page a expiré. Revenez à votre rendez-vous et recommencez."),
                      back_url=f"/b/{_token(request)}")


def _done(request: Request, what: str) -> Response:
    return RedirectResponse(f"/b/{_token(request)}?done={what}", status_code=303)


async def cancel_confirm(request: Request) -> Response:
    context = await _context(request, await _booking(request))
    return render(request, "portal/cancel.html", {**context, "token": _token(request)}, token_page=True)


async def cancel(request: Request) -> Response:
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return _csrf_refused(request)
    try:
        await cancel_appointment(as_patient(request), _token(request))
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _manage_page(request, await _context(request, await _booking(request)), status=exc.status,
                            error=_message(request, exc))
    return _done(request, "cancelled")


async def reminders(request: Request) -> Response:
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return _csrf_refused(request)
    try:
        await set_reminders(as_patient(request), _token(request), email=bool(form.get("email_reminders")),
                            sms=bool(form.get("sms_reminders")))
    except (DomainError, FieldErrors) as exc:
        if isinstance(exc, DomainError) and exc.status == 404:
            raise
        message = _message(request, exc) if isinstance(exc, DomainError) else next(iter(exc.fields.values()))
        return _manage_page(request, await _context(request, await _booking(request)), status=409, error=message)
    return _done(request, "reminders")


async def move(request: Request) -> Response:
    """GET: a week of slots to pick from, or (with `start`) the confirmation of the chosen one."""
    booking = await _booking(request)
    context = {**await _context(request, booking), "token": _token(request)}
    if not context["changeable"]:
        return _not_changeable(request, booking, context)
    start = _parse(request.query_params.get("start"))
    if start is not None:
        return render(request, "portal/move_confirm.html", {**context, "start": start}, token_page=True)
    return await _move_week(request, booking, context)


async def _move_week(request: Request, booking: ManagedBooking, context: dict, *, status: int = 200,
                     error: str | None = None, nearest: list | None = None) -> Response:
    now = request_ctx(request).now
    target = await load_target(booking.practitioner_slug, booking.service_slug)
    # Without a chosen week, the appointment's own week: moving is mostly "a bit earlier or later".
    wanted = request.query_params.get("week") or booking.appointment.starts_at.astimezone(target.tz).date().isoformat()
    monday = parse_week(wanted, now.astimezone(target.tz).date(), target.rules.horizon)
    week = await load_week(target, monday, now, exclude_appointment=booking.appointment.id,
                           cutoff_hours=booking.practice.cancellation_cutoff_hours)
    return render(request, "portal/move.html", {**context, "week": week, "error": error, "nearest": nearest or []},
                  status=status, token_page=True)


def _parse(raw: str | None):
    try:
        return parse_start(raw) if raw else None
    except FieldErrors:
        return None


async def move_submit(request: Request) -> Response:
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return _csrf_refused(request)
    try:
        await reschedule_appointment(as_patient(request), _token(request), str(form.get("start", "")))
    except (DomainError, FieldErrors) as exc:
        if isinstance(exc, DomainError) and exc.status == 404:
            raise
        booking = await _booking(request)
        context = {**await _context(request, booking), "token": _token(request)}
        if not context["changeable"]:
            return _not_changeable(request, booking, context)
        message = _message(request, exc) if isinstance(exc, DomainError) else next(iter(exc.fields.values()))
        nearest = exc.nearest if isinstance(exc, SlotTaken) else []
        return await _move_week(request, booking, context, status=409, error=message, nearest=nearest)
    return _done(request, "moved")


async def calendar_file(request: Request) -> Response:
    from portal.web.patient.ics import appointment_calendar

    booking = await _booking(request)
    body = appointment_calendar(booking, request.app.state.settings.base_url, request_ctx(request).now,
                                _token(request))
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "content-disposition": 'attachment; filename="rendez-vous.ics"',
        "referrer-policy": "no-referrer", "cache-control": "no-store",
    })


"""Back-office pages for practitioners (issue 14 items 2, 3): the list with whether patients are
offered each one and why not, and the week grid of hours and breaks. Thin: portal.practice.hours."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import access
from portal.errors import FieldErrors, NotFound
from portal.models import OpeningHours, Service
from portal.patients.input import ascii_number
from portal.practice import hours, languages, photos, practitioners, profiles, time_off
from portal.web import csrf
from portal.web.admin.auth import require_staff
from portal.web.admin.pages import admin_page, form_expired
from portal.web.request_body import read_form

PRACTITIONERS = "/admin/settings/practitioners"


def _id(request: Request) -> int:
    raw = request.path_params["practitioner_id"]
    value = ascii_number(raw, 10) or 0
    if not access.is_id(value):
        raise NotFound("Praticien introuvable.")
    return value


async def show_list(request: Request) -> Response:
    ctx = await require_staff(request)
    access.require_agenda_owner(ctx)
    practitioners = await access.practitioners(ctx).order_by("last_name", "first_name")
    ids = [p.id for p in practitioners]
    with_hours = set(await OpeningHours.filter(practitioner_id__in=ids, kind="open").values_list("practitioner_id", flat=True))
    with_services = set(await Service.filter(practitioner_id__in=ids, bookable_online=True
                                             ).values_list("practitioner_id", flat=True))
    rows = [{"practitioner": p, "hours": p.id in with_hours, "services": p.id in with_services} for p in practitioners]
    return admin_page(request, "admin/practitioners.html", {"rows": rows})


EMPTY_TIME_OFF = {"start_date": "", "end_date": "", "kind": "closed", "hours": "", "label": ""}


def _counts(request: Request) -> dict[str, int]:
    """What the page of appointments inside an absence did (the redirect's query), for its status line."""
    raw = {name: request.query_params.get(name, "") for name in ("kept", "moved", "cancelled")}
    return {name: ascii_number(value, 4) or 0 for name, value in raw.items()}


async def _hours_page(request: Request, practitioner, values: dict, errors: dict, status: int = 200, *,
                      off_values: dict | None = None, off_errors: dict | None = None) -> Response:
    ctx = request.state.staff_ctx
    off_errors = off_errors or {}
    return admin_page(request, "admin/hours.html", {
        "practitioner": practitioner, "values": values, "errors": errors, "weekdays": hours.WEEKDAYS,
        "first_error": next(iter(errors), None), "done": request.query_params.get("done"),
        "exceptions": await time_off.upcoming(ctx, practitioner.id), "off_values": off_values or EMPTY_TIME_OFF,
        "off_errors": off_errors, "off_first_error": next(iter(off_errors), None), "counts": _counts(request),
    }, status=status)


async def show_hours(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner, values = await hours.weekly_hours(ctx, _id(request))
    return await _hours_page(request, practitioner, values, {})


async def save_hours(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner_id = _id(request)
    practitioner, _ = await hours.weekly_hours(ctx, practitioner_id)  # 404 before reading the form
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    typed = {f"{kind}_{day}": str(form.get(f"{kind}_{day}", ""))[:300] for day in range(7) for kind in ("open", "break")}
    try:
        await hours.set_weekly_hours(ctx, practitioner_id, typed)
    except FieldErrors as exc:
        return await _hours_page(request, practitioner, typed, exc.fields, status=422)
    return RedirectResponse(f"{PRACTITIONERS}/{practitioner_id}/hours?done=saved", status_code=303)


async def add_time_off(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner_id = _id(request)
    practitioner, values = await hours.weekly_hours(ctx, practitioner_id)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    typed = {name: str(form.get(name, ""))[:200] for name in EMPTY_TIME_OFF}
    try:
        added = await time_off.add_time_off(ctx, practitioner_id, typed)
    except FieldErrors as exc:
        return await _hours_page(request, practitioner, values, {}, 422, off_values=typed, off_errors=exc.fields)
    if added.inside:  # the practice now decides, for each one, to keep, move or cancel it
        return RedirectResponse(f"{PRACTITIONERS}/{practitioner_id}/time-off/{added.exception.id}", status_code=303)
    return RedirectResponse(f"{PRACTITIONERS}/{practitioner_id}/hours?done=time_off", status_code=303)


async def remove_time_off(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner_id = _id(request)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    raw = request.path_params["exception_id"]
    await time_off.remove_time_off(ctx, practitioner_id, ascii_number(raw, 10) or 0)
    return RedirectResponse(f"{PRACTITIONERS}/{practitioner_id}/hours?done=time_off_removed", status_code=303)


async def profile_page(request: Request, practitioner, values: dict, errors: dict, status: int = 200, *,
                       photo_errors: dict | None = None) -> Response:
    photo_errors = photo_errors or {}
    return admin_page(request, "admin/practitioner.html", {
        "practitioner": practitioner, "values": values, "errors": errors,
        "first_error": next(iter(errors), None), "done": request.query_params.get("done"),
        "languages": languages.choices(request.state.staff_ctx.locale),
        "photo_url": await photos.photo_url(practitioner.id), "photo_errors": photo_errors,
        "photo_max_mb": photos.MAX_UPLOAD_BYTES // (1024 * 1024),
        "missing": await practitioners.still_missing(practitioner),
    }, status=status)


async def show_profile(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner = await profiles.editable(ctx, _id(request))
    return await profile_page(request, practitioner, profiles.as_form(practitioner), {})


async def save_profile(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner = await profiles.editable(ctx, _id(request))
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    typed: dict = {name: str(form.get(name, ""))[:2100] for name in profiles.FIELDS}
    typed["languages"] = [str(code)[:8] for code in form.getlist("languages")[:profiles.MAX_LANGUAGES + 1]]
    try:
        await profiles.update_profile(ctx, practitioner.id, typed)
    except FieldErrors as exc:
        return await profile_page(request, practitioner, typed, exc.fields, status=422)
    return RedirectResponse(f"{PRACTITIONERS}/{practitioner.id}?done=saved", status_code=303)


async def archive(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner_id = _id(request)
    access.require_admin(ctx)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    await profiles.archive_practitioner(ctx, practitioner_id)
    return RedirectResponse(f"{PRACTITIONERS}/{practitioner_id}?done=archived", status_code=303)

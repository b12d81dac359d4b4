"""The appointments inside new time off (issue 14 item 3): after saving an absence, the practice
chooses for each appointment already booked inside it to keep it, move it to a free slot or
cancel it, and submits the page at once. Thin: portal.booking.time_off_choices (all or nothing)."""

from __future__ import annotations

from itertools import groupby

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.booking import time_off_choices as choices
from portal.errors import NotFound
from portal.web import translate
from portal.web.admin.auth import require_staff
from portal.web.admin.forms import Fields, path_id, posted_form, text
from portal.web.admin.pages import admin_page, form_expired
from portal.web.admin.practitioner_views import PRACTITIONERS


def _ids(request: Request) -> tuple[int, int]:
    return (path_id(request, "practitioner_id", "Praticien introuvable."),
            path_id(request, "exception_id", "Exception introuvable."))


def _typed(form: FormData) -> dict[int, choices.Choice]:
    """The rows posted (each `appointment` id once, at most MAX_ROWS + 1 read) and their choices."""
    posted: dict[int, choices.Choice] = {}
    for raw in form.getlist("appointment")[:choices.MAX_ROWS + 1]:
        if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
            raise NotFound("Rendez-vous introuvable.")
        key = int(raw)
        posted[key] = choices.Choice(text(form, f"choice_{key}", 10), text(form, f"slot_{key}", 40),
                                     text(form, f"reason_{key}", choices.MAX_REASON + 100),
                                     text(form, f"version_{key}", 10))
    return posted


async def _page(request: Request, inside: choices.Inside, *, typed: dict[int, choices.Choice] | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> Response:
    ctx = request.state.staff_ctx
    typed = typed or {}
    errors = {name: translate(message, ctx.locale) for name, message in (errors or {}).items()}
    rows = []
    for row in inside.rows:
        choice = typed.get(row.appointment.id, choices.Choice("keep", version=str(row.appointment.version)))
        days = [(day, list(starts)) for day, starts in groupby(row.slots, key=lambda s: s.astimezone(inside.tz).date())]
        rows.append({"a": row.appointment, "patient": row.patient, "service": row.service, "days": days,
                     "choice": choice, "version": str(row.appointment.version)})
    return admin_page(request, "admin/time_off_inside.html", {
        "inside": inside, "practitioner": inside.practitioner, "exception": inside.exception, "tz": inside.tz,
        "rows": rows, "errors": Fields(errors), "first_error": next(iter(errors), None),
        "max_reason": choices.MAX_REASON,
    }, status=status)


async def show(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner_id, exception_id = _ids(request)
    return await _page(request, await choices.appointments_inside(ctx, practitioner_id, exception_id))


async def decide(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner_id, exception_id = _ids(request)
    await choices.check_in_scope(ctx, practitioner_id, exception_id)  # 404 before the form
    form = await posted_form(request)
    if form is None:
        return form_expired(request)
    typed = _typed(form)
    try:
        done = await choices.decide(ctx, practitioner_id, exception_id, typed)
    except choices.ChoicesRefused as refused:
        # Shown again as typed; the rows are read again (a slot taken meanwhile leaves its list).
        inside = await choices.appointments_inside(ctx, practitioner_id, exception_id)
        return await _page(request, inside, typed=typed, errors=refused.fields, status=refused.status)
    query = f"done=time_off_decided&kept={done.kept}&moved={done.moved}&cancelled={done.cancelled}"
    return RedirectResponse(f"{PRACTITIONERS}/{practitioner_id}/hours?{query}#time-off", status_code=303)

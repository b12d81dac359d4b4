"""The back-office page "Ajouter un praticien" (issue 14): the practice's administrator creates a
practitioner of their practice, then lands on its profile, which says what patients still need
(hours, a service offered online). Thin: portal.practice.practitioners."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import access
from portal.errors import FieldErrors
from portal.practice import practitioners
from portal.web import csrf
from portal.web.admin.auth import require_staff
from portal.web.admin.pages import admin_page, form_expired
from portal.web.request_body import read_form

PRACTITIONERS = "/admin/settings/practitioners"
PATH = PRACTITIONERS + "/new"


def _page(request: Request, values: dict, errors: dict, status: int = 200) -> Response:
    return admin_page(request, "admin/practitioner_new.html", {
        "values": values, "errors": errors, "first_error": next(iter(errors), None)}, status=status)


async def show(request: Request) -> Response:
    ctx = await require_staff(request)
    await access.administered_practice(ctx)  # administrators only: 404 to anyone else
    return _page(request, dict(practitioners.EMPTY), {})


async def create(request: Request) -> Response:
    ctx = await require_staff(request)
    practice = await access.administered_practice(ctx)  # before reading the form
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    typed = {name: str(form.get(name, ""))[:2100] for name in practitioners.FIELDS}
    try:
        created = await practitioners.create_practitioner(ctx, practice, typed)
    except FieldErrors as exc:
        return _page(request, typed, exc.fields, status=422)
    return RedirectResponse(f"{PRACTITIONERS}/{created.id}?done=created", status_code=303)

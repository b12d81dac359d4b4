"""Back-office pages for a practitioner's services (issue 14 item 4). Thin: portal.practice.services."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import access
from portal.errors import FieldErrors, NotFound
from portal.patients.input import ascii_number
from portal.practice import services
from portal.web import csrf
from portal.web.admin.auth import require_staff
from portal.web.admin.pages import admin_page, form_expired
from portal.web.admin.practitioner_views import PRACTITIONERS
from portal.web.request_body import read_form


def _ids(request: Request) -> tuple[int, int | None]:
    values = []
    for name in ("practitioner_id", "service_id"):
        raw = request.path_params.get(name)
        if raw is None:
            values.append(None)
            continue
        value = ascii_number(raw, 10) or 0
        if not access.is_id(value):
            raise NotFound("Page introuvable.")
        values.append(value)
    practitioner_id, service_id = values
    assert practitioner_id is not None
    return practitioner_id, service_id


def _path(practitioner_id: int) -> str:
    return f"{PRACTITIONERS}/{practitioner_id}/services"


async def _page(request: Request, practitioner_id: int, service_id: int | None, values: dict | None = None,
                errors: dict | None = None, status: int = 200) -> Response:
    ctx = request.state.staff_ctx
    practitioner, rows = await services.practitioner_services(ctx, practitioner_id)
    service = next((row for row in rows if row.id == service_id), None) if service_id else None
    if service_id and service is None:
        raise NotFound("Prestation introuvable.")
    errors = errors or {}
    return admin_page(request, "admin/services.html", {
        "practitioner": practitioner, "services": rows, "service": service,
        "values": values if values is not None else services.as_form(service), "errors": errors,
        "first_error": next(iter(errors), None), "done": request.query_params.get("done"),
    }, status=status)


async def show(request: Request) -> Response:
    await require_staff(request)
    practitioner_id, service_id = _ids(request)
    return await _page(request, practitioner_id, service_id)


async def save(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner_id, service_id = _ids(request)
    if service_id is None:
        await services.practitioner_services(ctx, practitioner_id)  # 404 before reading the form
    else:
        await services.service_of(ctx, practitioner_id, service_id)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    typed = {name: str(form.get(name, ""))[:200] for name in services.FIELDS}
    try:
        await services.save_service(ctx, practitioner_id, service_id, typed)
    except FieldErrors as exc:
        return await _page(request, practitioner_id, service_id, typed, exc.fields, status=422)
    return RedirectResponse(_path(practitioner_id) + "?done=saved", status_code=303)


async def archive(request: Request) -> Response:
    ctx = await require_staff(request)
    practitioner_id, service_id = _ids(request)
    assert service_id is not None
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    await services.archive_service(ctx, practitioner_id, service_id)
    return RedirectResponse(_path(practitioner_id) + "?done=archived", status_code=303)

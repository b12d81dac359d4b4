"""The practice's staff accounts (administrators): roles, agendas granted, disabling. Thin:
portal.access.staff_admin."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import access
from portal.access import invitations, staff_admin
from portal.errors import FieldErrors, NotFound
from portal.patients.input import ascii_number
from portal.web import csrf
from portal.web.admin.auth import require_staff
from portal.web.admin.pages import admin_page, form_expired
from portal.web.request_body import read_form

STAFF = "/admin/settings/staff"


def _id(request: Request) -> int:
    raw = request.path_params["staff_id"]
    value = ascii_number(raw, 10) or 0
    if not access.is_id(value):
        raise NotFound("Compte introuvable.")
    return value


def _int(raw: object) -> int:
    return ascii_number(raw, 10) or 0


EMPTY_INVITE = {"email": "", "role": "assistant", "practitioner": 0, "grants": set(), "locale": ""}


async def _list_page(request: Request, ctx, values: dict | None = None, errors: dict | None = None,
                     status: int = 200) -> Response:
    members = await staff_admin.practice_staff(ctx)
    values = values or {**EMPTY_INVITE, "locale": (await access.administered_practice(ctx)).locale}
    practitioners = await access.practitioners(ctx).order_by("last_name", "first_name")
    return admin_page(request, "admin/staff.html", {
        "members": members, "practitioners": {p.id: p for p in practitioners}, "choices": practitioners,
        "values": values, "locales": [("fr", "Français"), ("en", "English")], "errors": errors or {}, "done": request.query_params.get("done"),
    }, status=status)


async def show_list(request: Request) -> Response:
    return await _list_page(request, await require_staff(request))


async def invite(request: Request) -> Response:
    ctx = await require_staff(request)
    await access.administered_practice(ctx)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    values = {"email": str(form.get("email", ""))[:254].strip(), "role": str(form.get("role", ""))[:20],
              "practitioner": _int(form.get("practitioner")), "grants": {_int(v) for v in form.getlist("grants")[:100]},
              "locale": str(form.get("locale", ""))[:8]}
    try:
        await invitations.invite(ctx, values["email"], values["role"], values["practitioner"] or None,
                                 values["grants"], str(request.app.state.settings.secret_key),
                                 values["locale"] or None)
    except FieldErrors as exc:
        return await _list_page(request, ctx, values, exc.fields, status=422)
    return RedirectResponse(STAFF + "?done=invited", status_code=303)


async def _member_page(request: Request, ctx, member, values: dict, errors: dict, status: int = 200) -> Response:
    return admin_page(request, "admin/staff_member.html", {
        "member": member, "values": values, "errors": errors, "done": request.query_params.get("done"),
        "practitioners": await access.practitioners(ctx).order_by("last_name", "first_name"),
    }, status=status)


async def show_member(request: Request) -> Response:
    ctx = await require_staff(request)
    member = await staff_admin.staff_member(ctx, _id(request))
    await member.fetch_related("grants")
    values = {"role": member.role, "practitioner": member.practitioner_id or 0,
              "grants": {grant.practitioner_id for grant in member.grants}}
    return await _member_page(request, ctx, member, values, {})


async def save_member(request: Request) -> Response:
    ctx = await require_staff(request)
    member = await staff_admin.staff_member(ctx, _id(request))
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    role = str(form.get("role", ""))[:20]
    practitioner = _int(form.get("practitioner")) or None
    grants = {_int(value) for value in form.getlist("grants")[:100]}
    try:
        await staff_admin.set_role(ctx, member.id, role, practitioner, grants)
    except FieldErrors as exc:
        values = {"role": role, "practitioner": practitioner or 0, "grants": grants}
        return await _member_page(request, ctx, member, values, exc.fields, status=422)
    return RedirectResponse(f"{STAFF}/{member.id}?done=saved", status_code=303)


async def disable(request: Request) -> Response:
    ctx = await require_staff(request)
    staff_id = _id(request)
    await staff_admin.staff_member(ctx, staff_id)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    await staff_admin.disable_member(ctx, staff_id)
    return RedirectResponse(f"{STAFF}/{staff_id}?done=disabled", status_code=303)

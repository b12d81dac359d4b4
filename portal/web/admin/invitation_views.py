"""The page an invitation link opens (no session): the new member chooses a password and the
account exists; then they sign in (and enrol a second factor when the practice requires it)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import invitations
from portal.errors import FieldErrors
from portal.web import csrf, request_ctx
from portal.web.admin.pages import admin_page, form_expired
from portal.web.request_body import read_form

PATH = "/admin/invitation/{token}"


async def _page(request: Request, email: str, errors: dict, status: int = 200) -> Response:
    response = admin_page(request, "admin/invitation.html", {
        "email": email, "errors": errors, "values": {"password": "", "confirmation": ""},
        "first_error": next(iter(errors), None)}, status=status)
    response.headers["referrer-policy"] = "no-referrer"  # the token is in the URL
    return response


async def show(request: Request) -> Response:
    invitation = await invitations.open_invitation(request.path_params["token"], request_ctx(request).now)
    return await _page(request, invitation.email, {})


async def accept(request: Request) -> Response:
    ctx = request_ctx(request)
    token = request.path_params["token"]
    invitation = await invitations.open_invitation(token, ctx.now)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    try:
        await invitations.accept(ctx, token, str(form.get("password", ""))[:300], str(form.get("confirmation", ""))[:300])
    except FieldErrors as exc:
        return await _page(request, invitation.email, exc.fields, status=422)
    return RedirectResponse("/admin/login?done=invited", status_code=303)

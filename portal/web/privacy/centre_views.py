"""The privacy centre, /privacy/c/{token}: opened once from the e-mailed link (a POST from the
page the link leads to, so that mail scanners following links do not use it up), then kept by a
cookie scoped to that URL for the link's lifetime. Every page carries the token: no referrer, no
cache (token_page).
"""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.booking.calendar_event import uid_host
from portal.errors import NotFound
from portal.patients import centre, rights
from portal.patients.erasure import erase_patients
from portal.patients.input import FieldErrors
from portal.patients.privacy_links import Session, open_link, session, unused_link
from portal.web import client_ip, request_ctx, request_locale
from portal.web.patient import csrf
from portal.web.patient.csrf import is_https
from portal.web.patient.errors import N_, error_page
from portal.web.patient.rendering import render

COOKIE = "privacy_session"
DONE = {
    "names": N_("Votre nom est corrigé."),
    "email": N_("Un lien de confirmation est envoyé à la nouvelle adresse : elle servira dès que vous l'aurez ouvert."),
    "phone": N_("Un lien de confirmation est envoyé par SMS au nouveau numéro : il servira dès que vous l'aurez ouvert."),
    "restricted": N_("C'est noté : plus aucun message ne vous est envoyé et la réservation en ligne est suspendue."),
    "lifted": N_("La limitation est levée. Les rappels choisis pour vos rendez-vous à venir reprennent."),
    "email_reminders": N_("Les rappels par e-mail sont retirés de vos rendez-vous à venir."),
    "sms_reminders": N_("Les rappels par SMS sont retirés de vos rendez-vous à venir."),
    "no_email_reminders": N_("Vous n'aviez pas de rappels par e-mail : rien n'est changé."),
    "no_sms_reminders": N_("Vous n'aviez pas de rappels par SMS : rien n'est changé."),
}


def _token(request: Request) -> str:
    return request.path_params["token"]


def _path(request: Request) -> str:
    return f"/privacy/c/{_token(request)}"


async def _session(request: Request) -> Session:
    return await session(_token(request), request.cookies.get(COOKIE), ip=client_ip(request),
                         locale=request_locale(request), now=request_ctx(request).now)


async def centre_page(request: Request) -> Response:
    try:
        opened = await _session(request)
    except NotFound:
        # Not opened in this browser yet: offer to open it (the link must still be unused).
        await unused_link(_token(request), request_ctx(request).now)
        return render(request, "privacy/open.html", {"action": f"{_path(request)}/open"}, token_page=True)
    return await _page(request, opened)


async def _page(request: Request, opened: Session, *, status: int = 200, errors: dict | None = None) -> Response:
    data = await centre.overview(opened.ctx)
    return render(request, "privacy/centre.html", {
        **data, "base": _path(request), "errors": errors or {}, "expires_at": opened.link.expires_at,
        "done": DONE.get(request.query_params.get("done", "")), "zone": ZoneInfo,
        "tz": ZoneInfo(data["practices"][0]["timezone"] if data["practices"] else "Europe/Paris"),
        "restricted": any(p["restricted_at"] for p in data["patients"]),
    }, status=status, token_page=True)


def _refused(request: Request) -> Response:
    return error_page(request, 403, N_("Pour votre sécurité, cette page a expiré. Recommencez."),
                      back_url=_path(request))


async def open_centre(request: Request) -> Response:
    form = await request.form()
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return _refused(request)
    secret, expires_at = await open_link(_token(request), request_ctx(request).now)
    response = RedirectResponse(_path(request), status_code=303)
    response.set_cookie(COOKIE, secret, max_age=max(60, int((expires_at - request_ctx(request).now).total_seconds())),
                        path=_path(request), httponly=True, samesite="strict", secure=is_https(request))
    response.headers["cache-control"] = "no-store"
    return response


async def _post(request: Request) -> tuple[Session, dict] | Response:
    form = await request.form()
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return _refused(request)
    return await _session(request), dict(form)


def _done(request: Request, what: str) -> Response:
    return RedirectResponse(f"{_path(request)}?done={what}", status_code=303)


async def names(request: Request) -> Response:
    posted = await _post(request)
    if isinstance(posted, Response):
        return posted
    opened, form = posted
    try:
        await rights.rectify_names(opened.ctx, form.get("first_name"), form.get("last_name"))
    except FieldErrors as exc:
        return await _page(request, opened, status=422, errors=exc.fields)
    return _done(request, "names")


async def contact(request: Request) -> Response:
    posted = await _post(request)
    if isinstance(posted, Response):
        return posted
    opened, form = posted
    field = "phone" if request.path_params["field"] == "phone" else "email"
    settings = request.app.state.settings
    try:
        await rights.request_contact_change(opened.ctx, opened.link.email, field, form.get(field),
                                            secret_key=str(settings.secret_key), minutes=settings.privacy_link_minutes,
                                            utf8_mailboxes=settings.utf8_mailboxes)
    except FieldErrors as exc:
        return await _page(request, opened, status=422, errors=exc.fields)
    return _done(request, field)


async def restriction(request: Request) -> Response:
    posted = await _post(request)
    if isinstance(posted, Response):
        return posted
    opened, form = posted
    if form.get("lift"):
        await rights.lift_restriction(opened.ctx)
        return _done(request, "lifted")
    try:
        await rights.restrict(opened.ctx, str(form.get("reason", "")), form.get("note", ""))
    except FieldErrors as exc:
        return await _page(request, opened, status=422, errors=exc.fields)
    return _done(request, "restricted")


async def reminders(request: Request) -> Response:
    posted = await _post(request)
    if isinstance(posted, Response):
        return posted
    opened, form = posted
    purpose = str(form.get("purpose", ""))
    try:
        changed = await rights.withdraw_reminders(opened.ctx, purpose)
    except FieldErrors as exc:
        return await _page(request, opened, status=422, errors=exc.fields)
    return _done(request, purpose if changed else f"no_{purpose}")


async def erase(request: Request) -> Response:
    posted = await _post(request)
    if isinstance(posted, Response):
        return posted
    opened, form = posted
    if form.get("confirm") != "yes":
        return await _page(request, opened, status=422, errors={"confirm": N_("Cochez la case pour confirmer l'effacement.")})
    await erase_patients(opened.ctx, sorted(opened.ctx.scope.patient_ids or ()),
                         outbox_dir=request.app.state.settings.outbox_dir, source="patient")
    response = render(request, "privacy/erased.html", {}, token_page=True)
    response.delete_cookie(COOKIE, path=_path(request))
    return response


async def export_json(request: Request) -> Response:
    opened = await _session(request)
    document = centre.export_document(await centre.overview(opened.ctx), opened.ctx.now)
    return Response(json.dumps(document, ensure_ascii=False, indent=2), media_type="application/json", headers={
        "content-disposition": 'attachment; filename="mes-donnees-creneau.json"',
        "cache-control": "no-store", "referrer-policy": "no-referrer"})


async def export_ics(request: Request) -> Response:
    opened = await _session(request)
    body = centre.export_calendar(await centre.overview(opened.ctx),
                                  uid_host(request.app.state.settings.base_url), opened.ctx.now)
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "content-disposition": 'attachment; filename="mes-rendez-vous.ics"',
        "cache-control": "no-store", "referrer-policy": "no-referrer"})


async def confirm_page(request: Request) -> Response:
    return render(request, "privacy/confirm.html", {"action": request.url.path, "done": False}, token_page=True)


async def confirm_submit(request: Request) -> Response:
    form = await request.form()
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return error_page(request, 403, N_("Pour votre sécurité, cette page a expiré. Recommencez."),
                          back_url=request.url.path)
    await rights.confirm_contact_change(request_ctx(request), request.path_params["token"])
    return render(request, "privacy/confirm.html", {"action": request.url.path, "done": True}, token_page=True)

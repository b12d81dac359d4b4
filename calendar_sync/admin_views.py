"""Back-office pages for a practitioner's calendar feeds (issue 14 item 6): list, create with a
plain warning before a level that puts patient details into a third-party calendar, the URLs
and a QR code shown once, rotate, revoke; and their external calendars (item 7): add (the
address guard refuses internal addresses), sync status, remove. Thin: the use cases are
calendar_sync.tokens and calendar_sync.calendars.

These pages live here, not in portal.web.admin: portal never imports calendar_sync."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from calendar_sync import calendars, tokens
from calendar_sync.fetch import masked
from calendar_sync.models import FeedLevel
from portal import access
from portal.errors import FieldErrors, NotFound
from portal.web import csrf, request_ctx, translate
from portal.web.admin.account_views import qr_svg
from portal.web.admin.auth import require_staff
from portal.web.admin.forms import practice_tz
from portal.web.admin.pages import admin_page, form_expired
from portal.web.patient.errors import N_
from portal.web.request_body import read_form

FEEDS = "/admin/settings/feeds"
CALENDARS = "/admin/settings/calendars"
# The levels that put patient details into the calendar app's servers (Google, Apple, Microsoft).
REVEALING = frozenset({FeedLevel.INITIALS.value, FeedLevel.FULL.value})


async def _ctx(request: Request):
    ctx = await require_staff(request)
    access.require_agenda_owner(ctx)
    return ctx


async def _page(request: Request, ctx, *, values: dict | None = None, errors: dict | None = None,
                issued: tokens.IssuedToken | None = None, status: int = 200) -> Response:
    issued_urls = None
    if issued is not None:
        http_url, webcal_url = issued.urls(request.app.state.settings.base_url)
        title = translate(N_("Code QR de l’abonnement à scanner avec le téléphone"), request_ctx(request).locale)
        issued_urls = {"https": http_url, "webcal": webcal_url, "qr": qr_svg(webcal_url, title)}
    errors = errors or {}
    return admin_page(request, "admin/feeds.html", {
        "feeds": await tokens.list_feed_tokens(ctx),
        "practitioners": await access.practitioners(ctx).order_by("last_name", "first_name"),
        "levels": [level.value for level in FeedLevel], "values": values or {"level": "busy", "practitioner": "", "label": "", "understood": ""},
        "errors": errors, "first_error": next(iter(errors), None), "issued": issued_urls,
        "done": request.query_params.get("done"), "tz": await practice_tz(ctx),
    }, status=status)


async def show(request: Request) -> Response:
    return await _page(request, await _ctx(request))


def _validate(form: dict) -> None:
    errors = {}
    if form["level"] not in {level.value for level in FeedLevel}:
        errors["level"] = "Choisissez ce que le flux montre de chaque rendez-vous."
    elif form["level"] in REVEALING and not form["understood"]:
        errors["understood"] = ("Cochez la case pour confirmer que les noms des patients pourront être lus par "
                                "le fournisseur de votre agenda.")
    if not form["practitioner"]:
        errors["practitioner"] = "Choisissez le praticien."
    if len(form["label"]) > 120:
        errors["label"] = "120 caractères au plus."
    if errors:
        raise FieldErrors(errors)


async def create(request: Request) -> Response:
    ctx = await _ctx(request)
    raw = await read_form(request)
    if not csrf.valid(request, raw.get(csrf.FIELD)):
        return form_expired(request)
    form = {name: str(raw.get(name, ""))[:200].strip() for name in ("practitioner", "level", "label", "understood")}
    try:
        _validate(form)
        issued = await tokens.create_feed_token(ctx, form["practitioner"], level=form["level"], label=form["label"])
    except FieldErrors as exc:
        return await _page(request, ctx, values=form, errors=exc.fields, status=422)
    except NotFound:
        return await _page(request, ctx, values=form, errors={"practitioner": "Choisissez le praticien."}, status=422)
    return await _page(request, ctx, issued=issued)


def _token_id(request: Request, name: str = "token_id") -> int:
    raw = request.path_params[name]
    value = int(raw) if raw.isascii() and raw.isdecimal() and len(raw) <= 10 else 0
    if not access.is_id(value):  # a larger number names nothing (and PostgreSQL refuses it)
        raise NotFound("Page introuvable.")
    return value


def _confirmed(form) -> bool:
    """Revoking a feed or replacing its address ends the practitioner's calendar subscription,
    removing a calendar frees its busy hours: the list's button opens a page saying so, and only
    that page's button (confirmed=yes) acts, as the cancellation of an appointment does."""
    return form.get("confirmed") == "yes"


async def _confirm_feed(request: Request, ctx, action: str) -> Response:
    feed = await tokens.active_feed_token(ctx, _token_id(request))
    return admin_page(request, "admin/feed_confirm.html", {"feed": feed, "action": action, "tz": await practice_tz(ctx)})


async def rotate(request: Request) -> Response:
    ctx = await _ctx(request)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    if not _confirmed(form):
        return await _confirm_feed(request, ctx, "rotate")
    issued = await tokens.rotate_feed_token(ctx, _token_id(request))
    return await _page(request, ctx, issued=issued)


async def revoke(request: Request) -> Response:
    ctx = await _ctx(request)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    if not _confirmed(form):
        return await _confirm_feed(request, ctx, "revoke")
    await tokens.revoke_feed_token(ctx, _token_id(request))
    return RedirectResponse(FEEDS + "?done=revoked", status_code=303)


async def _calendars_page(request: Request, ctx, *, values: dict | None = None, errors: dict | None = None,
                          status: int = 200) -> Response:
    errors = errors or {}
    rows = [{"row": row, "address": masked(row.url)} for row in await calendars.list_external_calendars(ctx)]
    return admin_page(request, "admin/calendars.html", {
        "calendars": rows, "practitioners": await access.practitioners(ctx).order_by("last_name", "first_name"),
        "values": values or {"practitioner": "", "url": "", "label": ""}, "errors": errors,
        "first_error": next(iter(errors), None), "done": request.query_params.get("done"),
        "tz": await practice_tz(ctx),
    }, status=status)


async def calendars_show(request: Request) -> Response:
    return await _calendars_page(request, await _ctx(request))


async def calendars_add(request: Request) -> Response:
    ctx = await _ctx(request)
    raw = await read_form(request)
    if not csrf.valid(request, raw.get(csrf.FIELD)):
        return form_expired(request)
    form = {name: str(raw.get(name, ""))[:calendars.URL_MAX_LENGTH + 1].strip() for name in ("practitioner", "url", "label")}
    settings = request.app.state.settings
    try:
        await calendars.add_external_calendar(ctx, form["practitioner"], form["url"], label=form["label"],
                                              allow_internal=settings.calendar_allow_internal)
    except FieldErrors as exc:
        return await _calendars_page(request, ctx, values=form, errors=exc.fields, status=422)
    return RedirectResponse(CALENDARS + "?done=added", status_code=303)


async def calendars_remove(request: Request) -> Response:
    ctx = await _ctx(request)
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    if not _confirmed(form):
        row = await calendars.external_calendar(ctx, _token_id(request, "calendar_id"))
        return admin_page(request, "admin/calendar_remove.html", {"row": row, "address": masked(row.url)})
    await calendars.remove_external_calendar(ctx, _token_id(request, "calendar_id"))
    return RedirectResponse(CALENDARS + "?done=removed", status_code=303)


routes = [
    Route(FEEDS, show, methods=["GET"]),
    Route(FEEDS, create, methods=["POST"]),
    Route(FEEDS + "/{token_id}/rotate", rotate, methods=["POST"]),
    Route(FEEDS + "/{token_id}/revoke", revoke, methods=["POST"]),
    Route(CALENDARS, calendars_show, methods=["GET"]),
    Route(CALENDARS, calendars_add, methods=["POST"]),
    Route(CALENDARS + "/{calendar_id}/remove", calendars_remove, methods=["POST"]),
]

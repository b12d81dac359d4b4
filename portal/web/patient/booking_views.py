"""The booking flow: practitioner page with a week of slots, the form, and its submission."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.booking.availability import load_target
from portal.booking.book import book_appointment, parse_start
from portal.errors import NotFound, SlotTaken
from portal.limits.practitioner import OnlineLimitReached
from portal.patients import consent_texts
from portal.patients.input import FieldErrors
from portal.web import request_ctx, request_locale, translate
from portal.web.patient import booking_form, csrf, form_once, throttle
from portal.web.patient.errors import N_, error_page
from portal.web.patient.profiles import find_service, practitioner_profile
from portal.web.patient.rendering import render
from portal.web.patient.week import first_free_slot, load_week, parse_week, slot_id
from portal.web.ratelimit import retry_after
from portal.web.request_body import read_form


def _page_url(slug: str, **query: str) -> str:
    return f"/p/{slug}" + ("?" + urlencode(query) if query else "")


async def practitioner_page(request: Request) -> Response:
    profile = await practitioner_profile(request_ctx(request), request.path_params["slug"])
    service = find_service(profile, request.query_params.get("service"))
    if service is None and len(profile["services"]) == 1:
        service = profile["services"][0]
    context = {"profile": profile, "service": service, "week": None}
    if service is not None:
        now = request_ctx(request).now
        target = await load_target(profile["slug"], service["slug"])
        if request.query_params.get("first"):
            # Straight to the slot itself (its link's id), in its week.
            slot = await first_free_slot(target, now)
            if slot is None:
                return RedirectResponse(_page_url(profile["slug"], service=service["slug"], none="1") + "#slots",
                                        status_code=303)
            week = slot.start.astimezone(target.tz).date().isoformat()
            return RedirectResponse(_page_url(profile["slug"], service=service["slug"], week=week)
                                    + "#" + slot_id(slot.start), status_code=303)
        today = now.astimezone(target.tz).date()
        monday = parse_week(request.query_params.get("week"), today, target.rules.horizon)
        context["week"] = await load_week(target, monday, now, cutoff_hours=profile["practice"]["cutoff_hours"])
        context["nothing_free"] = bool(request.query_params.get("none"))
    return render(request, "portal/practitioner.html", context)


async def _form_context(request: Request) -> tuple[dict, dict]:
    profile = await practitioner_profile(request_ctx(request), request.path_params["slug"])
    service_slug = request.query_params.get("service") or ""
    if request.method == "POST":
        service_slug = str((await read_form(request)).get("service", ""))
    service = find_service(profile, service_slug)
    if service is None:
        raise NotFound("Prestation introuvable.")
    return profile, service


def _chosen_start(raw: str) -> datetime | None:
    try:
        return parse_start(raw)
    except FieldErrors:
        return None


def _render_form(request: Request, profile: dict, service: dict, values: dict, *, errors: dict | None = None,
                 nearest: list | None = None, notice: str | None = None, status: int = 200,
                 headers: dict | None = None) -> Response:
    locale = request_locale(request)
    # The exact texts the ledger records (consent_texts), shown as the checkbox labels.
    opt_ins = {name: consent_texts.opt_in(name, locale).text for name in ("email_reminders", "sms_reminders")}
    start = _chosen_start(values["start"])
    closes = request_ctx(request).now + timedelta(hours=profile["practice"]["cutoff_hours"])
    return render(request, "portal/book.html", {
        "profile": profile, "service": service, "values": values, "errors": errors or {}, "opt_in_texts": opt_ins,
        "start": start, "nearest": nearest or [], "notice": notice,
        "for_child": booking_form.for_child(values, service["audience"]),
        # Inside the cut-off: say so before the patient books, not after.
        "within_cutoff": start is not None and start < closes,
        "privacy_version": consent_texts.PRIVACY_NOTICE_VERSION, "pow": getattr(request.state, "pow", None),
    }, status=status, headers=headers)


async def book_form(request: Request) -> Response:
    profile, service = await _form_context(request)
    start = request.query_params.get("start", "")
    if _chosen_start(start) is None:
        return RedirectResponse(_page_url(profile["slug"], service=service["slug"]), status_code=303)
    values = booking_form.values_from({"start": start})
    await throttle.prepare(request)
    return _render_form(request, profile, service, values)


async def book_submit(request: Request) -> Response:
    profile, service = await _form_context(request)
    form = await read_form(request)
    values = booking_form.values_from(form)
    if form.get(booking_form.SWITCH_LANGUAGE):
        # The header's language buttons submit this form: the same form, in the other language
        # (the locale comes from the button's `?lang=`), nothing booked and nothing lost.
        await throttle.prepare(request)
        return _render_form(request, profile, service, values)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        # Nothing typed is lost: the form comes back with a fresh token, to send again.
        return _render_form(request, profile, service, values, status=403, notice=N_(
            "Pour votre sécurité, ce formulaire a expiré. Vérifiez vos informations et envoyez-le à nouveau."))
    if form.get(booking_form.HONEYPOT):
        # Filled by a robot (the field is hidden from people): book nothing, say little.
        return error_page(request, 400, N_("Votre demande n'a pas pu être enregistrée. Réessayez."),
                          phone=profile["practice"]["phone"])
    key = form_once.record_key(form)
    if key is not None:
        booked = await form_once.claim(request, key)
        if booked:  # the same form was sent twice: show what the first submit booked
            return RedirectResponse(f"/b/{booked}?new=1", status_code=303)
        if booked == "":
            return error_page(request, 409, N_(
                "Votre demande précédente est encore en cours. Patientez un instant puis rechargez la page."))
    made = False
    try:
        response = await _book(request, profile, service, values, form, key)
        made = response.status_code == 303
        return response
    finally:
        if key is not None and not made:
            await form_once.release(key)


async def _book(request: Request, profile: dict, service: dict, values: dict, form, key: str | None) -> Response:
    held = await throttle.admit(request, values["phone"], form)
    if held.wait is not None:  # what was typed comes back, with when to send it again
        return _render_form(request, profile, service, values, status=429, notice=throttle.notice(request, held),
                            headers=retry_after(held.wait))
    booking = booking_form.booking_request(values, profile["slug"], service["slug"], service["audience"])
    settings = request.app.state.settings
    try:
        result = await held.counted(book_appointment(
            request_ctx(request), booking, secret_key=str(settings.secret_key),
            idempotency=form_once.booking(key) if key else None, utf8_mailboxes=settings.utf8_mailboxes))
    except FieldErrors as exc:
        errors = booking_form.form_errors(exc.fields, values)
        return _render_form(request, profile, service, values, errors=errors, status=422)
    except OnlineLimitReached as exc:
        return _render_form(request, profile, service, values, status=429, headers=retry_after(exc.wait),
                            notice=exc.translated(lambda text: translate(text, request_locale(request))))
    except SlotTaken as exc:
        values["start"] = ""
        return _render_form(request, profile, service, values, nearest=exc.nearest, status=409,
                            errors={"start": exc.message})
    return RedirectResponse(f"/b/{result.manage_token}?new=1", status_code=303)

"""The back-office's message settings (issue 14 items 4 and 5): how much an SMS says, and a
preview of every message a patient receives, made by the worker's own rendering
(notifier.preview) for a sample appointment. Administrators only, like the other practice
settings. Thin: the use cases are portal.practice.messages and notifier.preview; these pages
live in notifier because the preview is the notifier's rendering (portal never imports it)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from notifier.outgoing import Identity
from notifier.preview import Sample, render_previews, sample_start
from portal.access import administered_practice
from portal.errors import FieldErrors, NotFound
from portal.formatting import full_datetime
from portal.practice import messages
from portal.web import csrf
from portal.web.admin.auth import require_staff
from portal.web.admin.pages import admin_page, form_expired
from portal.web.request_body import read_form

PATH = "/admin/settings/messages"
LANGUAGES = ("fr", "en")


def _service_id(raw: str | None) -> int | None:
    if not raw:
        return None
    if not (raw.isdecimal() and len(raw) <= 10):
        raise NotFound("Prestation introuvable.")
    return int(raw)


async def _page(request: Request, *, sms_detail: str | None = None, errors: dict | None = None,
                status: int = 200) -> Response:
    ctx = request.state.staff_ctx
    lang = request.query_params.get("patient_lang", "fr")
    lang = lang if lang in LANGUAGES else "fr"
    subject = await messages.preview_subject(ctx, _service_id(request.query_params.get("service")))
    sections, when = [], ""
    if subject.service is not None:
        identity = Identity.from_settings(request.app.state.settings)
        tz = subject.practice.timezone
        sample = Sample(sample_start(ctx.now, tz))
        sections = render_previews(subject.practice, subject.practitioner, subject.service, lang,
                                   identity, ctx.now, sample)
        when = full_datetime(sample.start, ZoneInfo(tz), ctx.locale)
    return admin_page(request, "admin/message_settings.html", {
        "subject": subject, "sections": sections, "lang": lang, "details": messages.SMS_DETAILS,
        "sms_detail": sms_detail or subject.practice.sms_detail,
        "sample_when": when, "errors": errors or {}, "done": request.query_params.get("done"),
    }, status=status)


async def show(request: Request) -> Response:
    await require_staff(request)
    return await _page(request)


async def save(request: Request) -> Response:
    ctx = await require_staff(request)
    await administered_practice(ctx)  # 404 to anyone but an administrator, before the form is read
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    level = str(form.get("sms_detail", ""))[:20]
    try:
        await messages.set_sms_detail(ctx, level)
    except FieldErrors as exc:
        return await _page(request, sms_detail=level, errors=exc.fields, status=422)
    return RedirectResponse(PATH + "?done=saved", status_code=303)


routes = [
    Route(PATH, show, methods=["GET"]),
    Route(PATH, save, methods=["POST"]),
]

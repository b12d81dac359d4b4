"""The practice's settings page (administrators): a thin form over portal.practice.settings."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access import administered_practice
from portal.errors import FieldErrors
from portal.practice import settings
from portal.scheduling.holidays import REGIONS, public_holidays
from portal.web import csrf
from portal.web.admin.auth import require_staff
from portal.web.admin.pages import admin_page, form_expired
from portal.web.request_body import read_form

PATH = "/admin/settings"


async def _page(request: Request, values: dict, errors: dict, status: int = 200) -> Response:
    ctx = request.state.staff_ctx
    region = values.get("holiday_region", "")
    year = ctx.now.year
    upcoming = [(day, name) for y in (year, year + 1)
                for day, name in public_holidays(y, region if region in REGIONS else "").items()
                if day >= ctx.now.date()][:12]
    return admin_page(request, "admin/settings.html", {
        "values": values, "errors": errors, "first_error": next(iter(errors), None),
        "regions": REGIONS, "timezones": settings.TIMEZONES,
        "locales": [("fr", "Français"), ("en", "English")], "holidays": upcoming,
        "done": request.query_params.get("done"),
    }, status=status)


async def show(request: Request) -> Response:
    ctx = await require_staff(request)
    practice = await administered_practice(ctx)
    return await _page(request, settings.as_form(practice), {})


async def save(request: Request) -> Response:
    ctx = await require_staff(request)
    await administered_practice(ctx)  # 404 before anything is read for anyone else
    form = await read_form(request)
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    typed = {name: str(form.get(name, ""))[:2000] for name in settings.FIELDS}
    try:
        await settings.update_settings(ctx, typed)
    except FieldErrors as exc:
        return await _page(request, typed, exc.fields, status=422)
    return RedirectResponse(PATH + "?done=saved", status_code=303)

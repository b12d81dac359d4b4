"""Jinja2 environments (one per locale, with its catalog installed) and the page response."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal import formatting
from portal.i18n import LOCALES, ROOT, translations
from portal.patients import phone
from portal.practice import languages
from portal.practice.models import service_label
from portal.web import request_locale
from portal.web.patient import csrf
from portal.web.patient.week import slot_id, slot_links

TEMPLATES_DIR = ROOT / "templates"
LANG_COOKIE = "lang"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


@lru_cache(maxsize=None)
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        auto_reload=False,  # templates ship with the code: no stat of each file on every page
        autoescape=True,  # patient-supplied text is escaped everywhere
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)

    def full(value, tz):
        return formatting.full_datetime(value, tz, locale)

    def time_of_day(value, tz):
        return formatting.time_of_day(value, tz, locale)

    env.globals.update(
        locale=locale,
        full_datetime=full,
        time_of_day=time_of_day,
        day_heading=lambda value, with_year=False: formatting.day_heading(value, locale, with_year),
        duration=lambda minutes: formatting.duration(minutes, locale),
        price=lambda cents: formatting.price(cents, locale),
        # As each language writes numbers: a French national number cannot be dialled from abroad.
        phone_display=lambda number: phone.display_for(number, locale),
        plain_date=lambda value: formatting.plain_date(value, locale),
        plain_datetime=lambda value, tz: formatting.plain_datetime(value, tz, locale),
        slot_id=slot_id,
        slot_links=lambda week, slots, tz, slot_url, late_text: slot_links(
            week, slots, tz, slot_url, late_text, full=full, time_of_day=time_of_day),
        language_names=lambda codes: ", ".join(languages.names(codes, locale)),
        # Dynamic messages (the core's French strings): translated, then escaped like any text.
        t=translations(locale).gettext,
        service_name=lambda service: service_label(service["name"], service.get("name_en"), locale),
    )
    return env


def url_with(request: Request, **params: str | None) -> str:
    """The current URL with some query parameters replaced (None removes one)."""
    query = dict(request.query_params)
    for name, value in params.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    # One leading slash: a path like //evil.example/x must not become an off-site link.
    return "/" + request.url.path.lstrip("/") + ("?" + urlencode(query) if query else "")


def _language_switch(request: Request, locale: str) -> list[dict]:
    return [
        {"code": code, "name": LANGUAGE_NAMES[code], "url": url_with(request, lang=code)}
        for code in LOCALES if code != locale
    ]


def render(
    request: Request, template: str, context: dict | None = None, *, status: int = 200,
    token_page: bool = False, headers: dict | None = None,
) -> HTMLResponse:
    """`token_page`: the URL carries a secret; it must not leak through Referer nor sit in caches."""
    locale = request_locale(request)
    page = environment(locale).get_template(template)
    values = {
        "request": request,
        "csrf_token": lambda: csrf.token(request),
        "csrf_field": csrf.FIELD,
        "language_switch": _language_switch(request, locale),
        "token_page": token_page,
        "url_with": lambda **params: url_with(request, **params),
    }
    values.update(context or {})
    response = HTMLResponse(page.render(values), status_code=status, headers=headers)
    response.headers["content-language"] = locale
    response.headers["vary"] = "Accept-Language, Cookie"
    if token_page:
        response.headers["referrer-policy"] = "no-referrer"
        response.headers["cache-control"] = "no-store"
    csrf.set_cookie(request, response)
    _remember_language(request, response)
    return response


def _remember_language(request: Request, response: HTMLResponse) -> None:
    """A visible switch choice is kept in a `lang` cookie: a strictly necessary preference."""
    wanted = request.query_params.get("lang")
    if wanted in LOCALES and request.cookies.get(LANG_COOKIE) != wanted:
        response.set_cookie(LANG_COOKIE, wanted, max_age=365 * 24 * 3600, httponly=True, samesite="lax",
                            secure=csrf.is_https(request), path="/")

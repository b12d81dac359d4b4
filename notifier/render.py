"""Pure rendering: `render(kind, context, locale, tz, channel)` from the templates under
`templates/emails/<locale>/` and `templates/sms/<locale>/`. No database, no clock, no settings.

The context is a plain dict built by `notifier.context`: practice, practitioner, patient, start,
end, service (None unless the practice opted in), manage_url (None when unknown), cancelled_by,
book_again_url (the practitioner's booking page; None in the practitioner's own messages).
SMS rules are enforced here: only who, when and where to manage, folded to GSM-7, one segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifier import gsm
from notifier.errors import RenderError
from portal.formatting import full_datetime, short_datetime, time_of_day

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LOCALES = ("fr", "en")
EMAIL_KINDS = ("confirmation", "reminder", "moved", "cancelled", "practitioner_booked", "practitioner_cancelled",
               "privacy_link", "contact_confirm")
SMS_KINDS = ("confirmation", "reminder", "moved", "cancelled", "contact_confirm")
# Only these reach an SMS template: no patient name, no comment, no reason for the visit.
SMS_KEYS = ("practice", "practitioner", "start", "manage_url", "service", "book_again_url")

@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class RenderedSms:
    text: str


def format_when(value: datetime, locale: str, tz: tzinfo, style: str = "long") -> str:
    """The pages' formats (portal.formatting): one way of writing a time everywhere."""
    writer = {"long": full_datetime, "short": short_datetime, "time": time_of_day}[style]
    return writer(value, tz, locale)


@lru_cache(maxsize=None)
def _environment() -> Environment:
    # One environment per process: templates are compiled once (rendering is on the hot path),
    # and never re-checked on disk (auto_reload: a stat of three files per e-mail otherwise).
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        auto_reload=False,
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else "fr"


def _template_vars(context: dict, locale: str, tz: tzinfo) -> dict:
    when = {style: format_when(context["start"], locale, tz, style) for style in ("long", "short", "time")}
    return {**context, "when": when["long"], "when_short": when["short"], "locale": locale}


def one_line(value: str) -> str:
    """Collapse every run of whitespace (line breaks included) to one space."""
    return " ".join(value.split())


def render_email(kind: str, context: dict, locale: str, tz: tzinfo) -> RenderedEmail:
    if kind not in EMAIL_KINDS:
        raise RenderError(f"no e-mail template for {kind!r}")
    locale = _locale(locale)
    env, variables = _environment(), _template_vars(context, locale, tz)
    base = f"emails/{locale}/{kind}"
    return RenderedEmail(
        subject=one_line(env.get_template(f"{base}.subject.txt").render(variables)),
        text=env.get_template(f"{base}.txt").render(variables).strip() + "\n",
        html=env.get_template(f"{base}.html").render(variables),
    )


def render_sms(kind: str, context: dict, locale: str, tz: tzinfo) -> RenderedSms:
    if kind not in SMS_KINDS:
        raise RenderError(f"no SMS template for {kind!r}")
    locale = _locale(locale)
    safe = {key: context.get(key) for key in SMS_KEYS}
    variables = _template_vars(safe, locale, tz)
    template = _environment().get_template(f"sms/{locale}/{kind}.txt")
    # The long wording first, then the short one; a text that still does not fit is an error
    # (two segments cost double and some phones show them out of order).
    for short in (False, True):
        text = gsm.fold(one_line(template.render(variables, short=short)))
        if gsm.fits_one_segment(text):
            return RenderedSms(text)
    raise RenderError(f"SMS {kind!r} does not fit one GSM-7 segment ({gsm.septets(text)} septets)")


def render(kind: str, context: dict, locale: str, tz: tzinfo, channel: str = "email") -> RenderedEmail | RenderedSms:
    if channel == "sms":
        return render_sms(kind, context, locale, tz)
    return render_email(kind, context, locale, tz)

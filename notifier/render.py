"""Pure rendering: `render(kind, context, locale, tz, channel)` from the templates under
`templates/emails/<locale>/` and `templates/sms/<locale>/`. No database, no clock, no settings.

The context is a plain dict built by `notifier.context`: practice, practitioner, patient, start,
end, service (None unless the service allows it), sms_detail ("minimal" unless "standard"),
manage_url (None when unknown), cancelled_by, practice_page_url,
book_again_url (the practitioner's booking page; None in the practitioner's own messages).
SMS rules are enforced here: only who, when and where to manage, folded to GSM-7, one segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from itertools import product
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from notifier import gsm
from notifier.errors import RenderError
from portal.formatting import full_datetime, short_datetime, time_of_day
from portal.patients.phone import display_for
from portal.settings import ConfigError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LOCALES = ("fr", "en")
EMAIL_KINDS = ("confirmation", "reminder", "moved", "cancelled", "practitioner_booked", "practitioner_moved",
               "practitioner_cancelled", "privacy_link", "contact_confirm")
SMS_KINDS = ("confirmation", "reminder", "moved", "cancelled", "contact_confirm")
# Only these reach an SMS template: no patient name, no comment, no reason for the visit.
SMS_KEYS = ("practice", "practitioner", "start", "manage_url", "service", "book_again_url", "stop_by_reply")
# Names cut to this in the shorter wordings (a long practice name must not cost the link).
SHORT_NAME = 20
# How much an SMS says (the practice's `sms_detail`): "minimal" names no practitioner (a name or
# a profession can say why one sees them), "standard" does. Unknown or missing: "minimal".
SMS_DETAILS = ("minimal", "standard")

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
    previous = context.get("previous_start")
    variables = {**context, "when": when["long"], "when_short": when["short"], "locale": locale,
                 "previous_when": format_when(previous, locale, tz) if previous else ""}
    # Phone numbers as each language writes them (01 42 00 00 00 / +33 1 42 00 00 00).
    for who in ("practice", "patient"):
        if isinstance(context.get(who), dict) and context[who].get("phone"):
            variables[who] = {**context[who], "phone": display_for(context[who]["phone"], locale)}
    return variables


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


def shorten(name: str, limit: int = SHORT_NAME) -> str:
    """A name cut at a word boundary when it can be ("Cabinet de kinésithérapie des…" → "Cabinet de")."""
    if len(name) <= limit:
        return name
    cut = name[:limit].rsplit(" ", 1)[0]
    return cut if len(cut) >= limit // 2 else name[:limit]


def _shortened(variables: dict) -> dict:
    # A privacy-centre SMS names no practitioner (its context has None there).
    return {**variables, **{who: {**variables[who], "name": shorten(variables[who]["name"])}
                            for who in ("practice", "practitioner") if isinstance(variables.get(who), dict)}}


def sms_detail(context: dict) -> str:
    level = context.get("sms_detail")
    return level if level in SMS_DETAILS else "minimal"


def render_sms(kind: str, context: dict, locale: str, tz: tzinfo) -> RenderedSms:
    """One GSM-7 segment always (two cost double and some phones show them out of order): the
    full wording, then the short one, then with names shortened, then the minimal one (when and
    the link), which the start-up check (`check_sms_fits`) guarantees to fit. At the "minimal"
    detail level no wording names the practitioner, and the practice's name is shortened before
    it is dropped."""
    if kind not in SMS_KINDS:
        raise RenderError(f"no SMS template for {kind!r}")
    locale = _locale(locale)
    safe = {key: context.get(key) for key in SMS_KEYS}
    if sms_detail(context) == "minimal":
        # Nobody named, not even in a link: the practitioner's booking page (/p/camille-martin)
        # gives way to the practice's (/c/…).
        safe["practitioner"] = None
        if safe["book_again_url"]:
            safe["book_again_url"] = context.get("practice_page_url")
    # The SMS carries the short link (/r/…): with a long BASE_URL the full one leaves no room.
    safe["manage_url"] = context.get("manage_url_short") or context.get("manage_url")
    variables = _template_vars(safe, locale, tz)
    template = _environment().get_template(f"sms/{locale}/{kind}.txt")
    shortened = _shortened(variables)
    if safe["practitioner"] is None:
        wordings = [(variables, {}), (shortened, {}), (shortened, {"short": True})]
    else:
        wordings = [(variables, {}), (variables, {"short": True}), (shortened, {"short": True})]
    wordings.append((variables, {"short": True, "minimal": True}))
    for values, flags in wordings:
        text = gsm.fold(one_line(template.render({**values, "short": False, "minimal": False, **flags})))
        if gsm.fits_one_segment(text):
            return RenderedSms(text)
    raise RenderError(f"SMS {kind!r} does not fit one GSM-7 segment ({gsm.septets(text)} septets)")


def render(kind: str, context: dict, locale: str, tz: tzinfo, channel: str = "email") -> RenderedEmail | RenderedSms:
    if channel == "sms":
        return render_sms(kind, context, locale, tz)
    return render_email(kind, context, locale, tz)


# The widest short link: an appointment id of up to 8 base-36 digits (2.8 million million), then the MAC.
_WIDEST_CODE = "z" * 8 + "x" * 22


def longest_sms(base_url: str) -> tuple[str, int]:
    """(kind/locale, septets) of the longest SMS this BASE_URL can produce: names as long as
    they come (the wordings shorten them), the longest date of the year in each language, a
    numeric sender (its STOP wording is the longer)."""
    tz = ZoneInfo("Europe/Paris")
    starts = [datetime(2027, month, day, 10, 30, tzinfo=tz) for month in range(1, 13) for day in (1, 22, 27, 28)]
    worst = ("", 0)
    for locale, kind, start, detail in product(LOCALES, SMS_KINDS, starts, SMS_DETAILS):
        context = {"practice": {"name": "P" * 80, "address": "", "phone": ""},
                   "practitioner": {"name": "N" * 80, "profession": ""}, "start": start,
                   "manage_url": None, "manage_url_short": f"{base_url.rstrip('/')}/r/{_WIDEST_CODE}",
                   "service": "S" * 60, "stop_by_reply": True, "sms_detail": detail}
        try:
            size = gsm.septets(render_sms(kind, context, locale, tz).text)
        except RenderError:
            return f"{kind}/{locale}", gsm.SEGMENT + 1
        worst = max(worst, (f"{kind}/{locale}", size), key=lambda pair: pair[1])
    return worst


def check_sms_fits(base_url: str) -> None:
    """At start-up: with this BASE_URL every SMS still fits one segment, or a clear error."""
    where, size = longest_sms(base_url)
    if size > gsm.SEGMENT:
        raise ConfigError(f"BASE_URL: too long for SMS links ({base_url!r}): the {where} SMS would not fit one "
                          f"160-character segment even in its shortest wording; use a shorter address for BASE_URL")

"""Dates and times written the way each language writes them, always in the practice's zone:
pages, e-mails and SMS share these, so a patient reads one format everywhere.

French: "mardi 3 décembre 2026 à 9 h 30"; English: "Tuesday 3 December 2026 at 9:30 AM".
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime

from portal.patients import phone
from portal.scheduling.localtime import is_first_pass, wall_time_repeats

_PATTERNS = {
    "fr": {"full": "EEEE d MMMM y 'à' H 'h' mm", "time": "H 'h' mm", "day": "EEEE d MMMM", "long_day": "EEEE d MMMM y",
           "short": "EEE d MMM 'à' H'h'mm", "date": "dd/MM/y",
           "date_time": "dd/MM/y HH:mm"},
    # A date in digits reads day-first or month-first depending on the English reader.
    "en": {"full": "EEEE d MMMM y 'at' h:mm a", "time": "h:mm a", "day": "EEEE d MMMM", "long_day": "EEEE d MMMM y",
           "short": "EEE d MMM 'at' h:mma", "date": "d MMM y",
           "date_time": "d MMM y, HH:mm"},
}
# Said after a wall time that happens twice (the autumn change), so that "2 h 30" names one
# instant: the first pass is on summer time, the second on winter time.
_REPEATED = {
    "fr": {"first": "heure d'été", "second": "heure d'hiver", "first_short": "été", "second_short": "hiver"},
    "en": {"first": "summer time", "second": "winter time", "first_short": "summer", "second_short": "winter"},
}
# English as written in the UK (day before month), which reads naturally next to French.
_BABEL_LOCALE = {"fr": "fr_FR", "en": "en_GB"}


def _pattern(locale: str, kind: str) -> str:
    return _PATTERNS.get(locale, _PATTERNS["fr"])[kind]


@lru_cache(maxsize=8)
def _babel(locale: str) -> Locale:
    # A Locale object, parsed once: given a string, Babel parses it again on every call (half
    # of the cost of formatting a time).
    return Locale.parse(_BABEL_LOCALE.get(locale, "fr_FR"))


# A week page formats each slot twice (its label and its time): the same starts come back on
# every view of that week, so the texts are kept (bounded: a few MB at most).
@lru_cache(maxsize=16_384)
def full_datetime(value: datetime, tz: ZoneInfo, locale: str) -> str:
    text = format_datetime(value.astimezone(tz), _pattern(locale, "full"), tzinfo=tz, locale=_babel(locale))
    return _upper_meridiem(text, locale) + repeated_hour_note(value, tz, locale)


@lru_cache(maxsize=16_384)
def time_of_day(value: datetime, tz: ZoneInfo, locale: str) -> str:
    text = format_datetime(value.astimezone(tz), _pattern(locale, "time"), tzinfo=tz, locale=_babel(locale))
    return _upper_meridiem(text, locale) + repeated_hour_note(value, tz, locale)


def short_datetime(value: datetime, tz: ZoneInfo, locale: str) -> str:
    """For an SMS, where every character counts: "mar. 1 déc. à 11h00", "Tue 1 Dec at 11:00AM"."""
    text = format_datetime(value.astimezone(tz), _pattern(locale, "short"), tzinfo=tz, locale=_babel(locale))
    text = text.replace("am", "AM").replace("pm", "PM") if locale == "en" else text
    return text + repeated_hour_note(value, tz, locale, short=True)


def repeated_hour_note(value: datetime, tz: ZoneInfo, locale: str, short: bool = False) -> str:
    """" (heure d'hiver)" after a wall time that happens twice, "" otherwise: the only way a
    reader can tell the two 2 h 30 of the autumn change apart."""
    if not wall_time_repeats(value, tz):
        return ""
    words = _REPEATED.get(locale, _REPEATED["fr"])
    key = ("first" if is_first_pass(value, tz) else "second") + ("_short" if short else "")
    return f" ({words[key]})" if short else f"\u00a0({words[key]})"


@lru_cache(maxsize=4_096)  # a week page names each day twice (its heading, its "more" summary)
def day_heading(value: date, locale: str, with_year: bool = False) -> str:
    text = format_date(value, _pattern(locale, "long_day" if with_year else "day"), locale=_babel(locale))
    return text[:1].upper() + text[1:]


def duration(minutes: int, locale: str) -> str:
    hours, rest = divmod(minutes, 60)
    if locale == "en":
        return f"{hours} h {rest} min" if hours and rest else (f"{hours} h" if hours else f"{rest} min")
    return f"{hours} h {rest:02d}" if hours and rest else (f"{hours} h" if hours else f"{rest} min")


def price(cents: int, locale: str) -> str:
    """60 €, 60,50 € in French; €60, €60.50 in English. No-break space before the sign."""
    euros, rest = divmod(cents, 100)
    if locale == "en":
        return f"€{euros:,}" + (f".{rest:02d}" if rest else "")
    amount = f"{euros:,}".replace(",", "\u202f") + (f",{rest:02d}" if rest else "")
    return amount + "\u00a0€"


def _upper_meridiem(text: str, locale: str) -> str:
    # en_GB writes "am"/"pm"; the patient-facing style is "9:30 AM". A time never breaks
    # across lines: no-break spaces inside "9 h 30" and "9:30 AM".
    if locale == "en":
        return text.replace(" am", "\u00a0AM").replace(" pm", "\u00a0PM")
    return text.replace(" h ", "\u00a0h\u00a0")


def plain_date(value: date, locale: str) -> str:
    """A date alone (a birth date, a day off): 12/04/1987 in French; 12 Apr 1987 in English,
    where 12/04 is April to some readers and December to others."""
    return format_date(value, _pattern(locale, "date"), locale=_babel(locale))


def plain_datetime(value: datetime, tz: ZoneInfo, locale: str) -> str:
    """A moment in a table (the message log, a feed's last read), in the practice's zone:
    30/11/2026 09:00 in French, 30 Nov 2026, 09:00 in English."""
    return format_datetime(value.astimezone(tz), _pattern(locale, "date_time"), locale=_babel(locale))


def phone_display(e164: str) -> str:
    """+33142000000 -> 01 42 00 00 00 (French numbers), others in international form."""
    return phone.display(e164)

"""Languages a practitioner speaks with patients (issue 14): a bounded list of ISO 639 codes,
named in the reader's language by Babel's CLDR data (never a free text field: the API returns
codes a client can rely on). French Sign Language has no CLDR name: named here."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from babel import Locale

# The languages most spoken in France after French, and those of its overseas territories' largest
# communities; "fsl" is ISO 639-3 for French Sign Language (LSF).
LANGUAGES = ("fr", "en", "es", "de", "it", "pt", "nl", "ar", "kab", "tr", "ru", "uk", "pl", "ro", "sq", "hy",
             "fa", "he", "zh", "vi", "ja", "hi", "ta", "bn", "wo", "bm", "ln", "fsl")
_OWN_NAMES = {"fsl": {"fr": "langue des signes française (LSF)", "en": "French Sign Language (LSF)"}}


@cache
def name(code: str, locale: str = "fr") -> str:
    """"espagnol" / "Spanish": the language's name in `locale` (fr or en)."""
    locale = locale if locale in ("fr", "en") else "fr"
    if code in _OWN_NAMES:
        return _OWN_NAMES[code][locale]
    return Locale.parse(locale).languages.get(code, code)


def choices(locale: str = "fr") -> list[tuple[str, str]]:
    """(code, name) pairs for a form, French first then alphabetical in the reader's language."""
    first = [code for code in LANGUAGES if code == locale] or ["fr"]
    rest = sorted((code for code in LANGUAGES if code not in first), key=lambda code: name(code, locale).casefold())
    return [(code, name(code, locale)) for code in [*first, *rest]]


def clean(codes: Iterable[str]) -> list[str] | None:
    """Known codes, without repeats, in the list's order; None when one is unknown."""
    chosen = {str(code) for code in codes}
    if chosen - set(LANGUAGES):
        return None
    return [code for code in LANGUAGES if code in chosen]


def names(codes: Iterable[str], locale: str = "fr") -> list[str]:
    return [name(code, locale) for code in codes if code in LANGUAGES]

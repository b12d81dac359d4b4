"""Locales and Babel message catalogs (`python -m portal.i18n compile|extract|update`)."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


def negotiate(accept_language: str | None, wanted: str | None = None) -> str:
    """The locale to use: an explicit choice, else the first supported Accept-Language, else French."""
    if wanted in LOCALES:
        return wanted
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag[:2] in LOCALES:
            return tag[:2]
    return DEFAULT_LOCALE


@lru_cache(maxsize=None)
def translations(locale: str) -> NullTranslations:
    if locale == DEFAULT_LOCALE:
        # Source strings are written in French; no catalog needed.
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [locale], DOMAIN)


def compile_catalogs() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        with po_path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)


def main(argv: list[str]) -> int:
    if argv[:1] == ["compile"]:
        compile_catalogs()
        return 0
    print("usage: python -m portal.i18n compile", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

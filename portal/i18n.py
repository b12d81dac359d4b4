"""Locales and Babel message catalogs (`python -m portal.i18n compile|extract|update`)."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel.support import NullTranslations, Translations

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

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


# `_`/`gettext` in templates and code, `N_` marks a string translated later (portal.web.patient.errors).
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
# Entries added by hand to a .po (French messages raised by the booking core as plain strings)
# carry this translator comment; `update` keeps them instead of marking them obsolete.
MANUAL = "manual"


def extract() -> "Catalog":
    """Every marked string of portal/**.py and templates/portal/**.html, per babel.cfg."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog(project="Créneau", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def update_catalogs() -> None:
    """Merge fresh extraction into each locale's .po, keeping translations and manual entries."""
    from babel.messages.pofile import read_po, write_po

    template = extract()
    for po_path in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and MANUAL in message.user_comments and message.id not in template:
                template.add(message.id, None, user_comments=[MANUAL])
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()  # history lives in git
        catalog.fuzzy = False
        with po_path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=False, include_previous=False)


def main(argv: list[str]) -> int:
    commands = {"compile": compile_catalogs, "update": update_catalogs}
    if argv[:1] == ["extract"]:
        from babel.messages.pofile import write_po

        write_po(sys.stdout.buffer, extract(), width=100)
        return 0
    if argv[:1] and argv[0] in commands:
        commands[argv[0]]()
        return 0
    print("usage: python -m portal.i18n compile|extract|update", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

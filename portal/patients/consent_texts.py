"""The texts a patient agrees to, versioned; the ledger records the version and the SHA-256.

Changing a text means adding a new version: the ledger must keep proving what was shown.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PRIVACY_DIR = Path(__file__).resolve().parents[2] / "templates" / "privacy"
# The notice in force; older versions stay on file: the consent ledger points at them.
PRIVACY_NOTICE_VERSION = "2026-11-30"


@dataclass(frozen=True)
class ConsentText:
    purpose: str
    version: str
    text: str

    @property
    def sha256(self) -> str:
        return _sha256(self.text)


@lru_cache(maxsize=64)
def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_OPT_INS = {
    "email_reminders": {
        "fr": "Je souhaite recevoir un rappel de mon rendez-vous par e-mail.",
        "en": "I would like an e-mail reminder of my appointment.",
    },
    "sms_reminders": {
        "fr": "Je souhaite recevoir un rappel de mon rendez-vous par SMS.",
        "en": "I would like an SMS reminder of my appointment.",
    },
}
OPT_IN_VERSION = "2026-11-26"


@lru_cache(maxsize=32)
def privacy_notice(locale: str, version: str = PRIVACY_NOTICE_VERSION) -> ConsentText:
    """The notice's source text in that locale (the page renders this very file)."""
    path = PRIVACY_DIR / f"{version}.{locale}.html"
    if not path.is_file():
        path = PRIVACY_DIR / f"{version}.fr.html"
    return ConsentText("privacy_notice", version, path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def known_privacy_versions() -> frozenset[str]:
    return frozenset(path.name.split(".")[0] for path in PRIVACY_DIR.glob("*.fr.html"))


def opt_in(purpose: str, locale: str) -> ConsentText:
    texts = _OPT_INS[purpose]
    return ConsentText(purpose, OPT_IN_VERSION, texts.get(locale, texts["fr"]))


def agreed_text(purpose: str, version: str, sha256: str) -> str | None:
    """The exact text a ledger row points at: the version in whichever locale has that hash
    (the patient saw one language). None if no text on file matches (it was changed in place)."""
    if purpose == "privacy_notice":
        candidates = [privacy_notice(locale, version) for locale in ("fr", "en") if version in known_privacy_versions()]
    elif purpose in _OPT_INS and version == OPT_IN_VERSION:
        candidates = [opt_in(purpose, locale) for locale in _OPT_INS[purpose]]
    else:
        candidates = []
    return next((text.text for text in candidates if text.sha256 == sha256), None)

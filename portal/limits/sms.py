"""Where and how many SMS a practice sends, against SMS-pumping fraud (a script booking with
numbers of costly foreign ranges, so that someone earns on the SMS the practice pays for).

- Practice.sms_regions: the regions (ISO 3166 codes) whose numbers may receive SMS; France and
  its overseas departments by default. Checked at booking (the patient is told at once) and by
  the worker before each send (a setting may have changed meanwhile).
- Practice.sms_daily_budget: SMS sent per practice and day; the worker sends no more and tells
  the practice once (notifier.budget).
"""

from __future__ import annotations

import phonenumbers

from portal.patients import phone

SUPPORTED = frozenset(phonenumbers.SUPPORTED_REGIONS)
MAX_REGIONS = 60  # fits Practice.sms_regions (200 characters)
NOT_ALLOWED = "Les SMS de ce cabinet ne sont envoyés qu'à des numéros de France et d'outre-mer."


def parse_regions(raw: str) -> str:
    """'fr, gp' → 'FR,GP'; ValueError naming an unknown region."""
    codes = [part.strip().upper() for part in raw.split(",") if part.strip()]
    unknown = [code for code in codes if code not in SUPPORTED]
    if unknown:
        raise ValueError(f"unknown region code(s): {', '.join(unknown)} (ISO 3166, e.g. FR,GP,MQ)")
    if len(codes) > MAX_REGIONS:
        raise ValueError(f"at most {MAX_REGIONS} regions")
    return ",".join(dict.fromkeys(codes))


def region_of(number: str) -> str | None:
    parsed = phone.parse(number)
    return phonenumbers.region_code_for_number(parsed) if parsed else None


def allowed(number: str, regions: str) -> bool:
    """May the practice send an SMS to `number` (any spelling)? Never to an invalid number."""
    region = region_of(number)
    return region is not None and region in {code.strip() for code in regions.split(",")}

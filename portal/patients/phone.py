"""The one phone-number normaliser (phonenumbers), for validation, throttles, STOP matching and
display. Every spelling of one number — `06 12 34 56 78`, `0033 6 12 34 56 78`,
`+33 (0)6 12…`, full-width digits, a trailing `ext. 1` — is the same E.164 number, so it is one
key everywhere (a throttle keyed on raw digits gave each spelling a fresh budget)."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, PhoneNumberType

DEFAULT_REGION = "FR"  # numbers typed without a country code are French
MAX_LENGTH = 40  # longer input is not a phone number (phonenumbers itself refuses 250+)
SMS_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
COSTLY_TYPES = frozenset({PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST})


def parse(raw: object) -> PhoneNumber | None:
    """A valid number, or None."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_LENGTH:
        return None
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def e164(raw: object) -> str | None:
    """'+33612345678' for any spelling of a valid number, else None."""
    number = parse(raw)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number else None


def from_msisdn(msisdn: object) -> str | None:
    """A provider's international number without '+' ('33612345678'), as E.164."""
    if not isinstance(msisdn, str):
        return None
    digits = "".join(ch for ch in msisdn if ch.isdigit())
    return e164("+" + digits) if digits else None


def throttle_key(raw: object) -> str | None:
    """The per-phone throttle's key: the E.164 number; None when there is no valid number."""
    number = e164(raw)
    return f"phone:{number}" if number else None


def kind(number: PhoneNumber) -> int:
    return phonenumbers.number_type(number)


def display(number_e164: str) -> str:
    """How a number is shown: national form for French numbers (01 42 00 00 00), international
    otherwise (+49 1512 3456789); anything unparsable unchanged."""
    number = parse(number_e164)
    if number is None:
        return number_e164
    style = PhoneNumberFormat.NATIONAL if number.country_code == 33 else PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def display_for(number_e164: str, locale: str) -> str:
    """As each language writes it: French readers dial the national form (01 42 00 00 00),
    others the international one (+33 1 42 00 00 00)."""
    if locale == "fr":
        return display(number_e164)
    number = parse(number_e164) if number_e164 else None
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL) if number else number_e164

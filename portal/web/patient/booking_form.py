"""The booking form: what the patient typed, turned into a BookingRequest, and errors per field.

Validation itself is the booking core's; this only adapts HTML form fields to it and keeps the
typed values so that nothing is lost when the form comes back with messages.
"""

from __future__ import annotations

import re
from datetime import date

from portal.booking.book import BookingRequest
from portal.patients import consent_texts
from portal.web.patient import form_once
from portal.web.patient.errors import N_

# Order of the fields on the page: the error summary lists them in this order.
FIELDS = ("start", "for_child", "child_first_name", "child_last_name", "child_birth_date", "civility", "first_name",
          "last_name", "email", "phone", "birth_date", "comment", "privacy_notice", "email_reminders", "sms_reminders")
# A child's booking (a service for children, or for both and "for a child" chosen): the child's
# names and birth date, and the adult's details in the usual fields (without a birth date).
CHILD_FIELDS = ("child_first_name", "child_last_name", "child_birth_date")
TEXT_FIELDS = ("civility", "first_name", "last_name", "email", "phone", "birth_date", "comment", "for_child",
               *CHILD_FIELDS)
HONEYPOT = "website"
SWITCH_LANGUAGE = "switch_language"  # the header's language buttons on the form page
MAX_FIELD = 1000

# Day, month, four-digit year with any separator phones and people use (/ . - space), or none at
# all: iOS's numeric keypad has no slash, so 12041987 is what many patients can type.
_DMY = re.compile(r"^\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})\s*$")
_DIGITS = re.compile(r"^\s*(\d{2})(\d{2})(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
BIRTH_DATE_FORMAT = N_("Indiquez votre date de naissance au format JJ/MM/AAAA, par exemple 12/04/1987.")
BIRTH_DATE_IMPOSSIBLE = N_("Cette date n'existe pas : vérifiez le jour et le mois (JJ/MM/AAAA).")
CHILD_BIRTH_DATE_FORMAT = N_("Indiquez la date de naissance de l'enfant au format JJ/MM/AAAA, par exemple 12/04/2018.")


def values_from(form) -> dict:
    """The typed values, trimmed to a sane length, ready to be shown again."""
    values = {name: str(form.get(name, ""))[:MAX_FIELD + 1] for name in TEXT_FIELDS}
    values["start"] = str(form.get("start", ""))[:64]
    # The version of the notice the page showed (a hidden field): that is what the patient read.
    values["privacy_version"] = str(form.get("privacy_version", ""))[:32] or consent_texts.PRIVACY_NOTICE_VERSION
    for name in ("privacy_notice", "email_reminders", "sms_reminders"):
        values[name] = bool(form.get(name))
    values[form_once.FIELD] = form_once.form_key(form)
    return values


def _birth_parts(raw: str) -> tuple[int, int, int] | None:
    """(year, month, day) as typed, whether or not they make a real date; None when unreadable."""
    for pattern, order in ((_DMY, (2, 1, 0)), (_DIGITS, (2, 1, 0)), (_ISO, (0, 1, 2))):
        match = pattern.match(raw)
        if match:
            parts = [int(part) for part in match.groups()]
            return parts[order[0]], parts[order[1]], parts[order[2]]
    return None


def iso_birth_date(raw: str) -> str | None:
    """French habit (12/04/1987, 12 04 1987, 12041987) or ISO (1987-04-12); None when it is
    not a real date."""
    parts = _birth_parts(raw)
    try:
        return date(*parts).isoformat() if parts else None
    except ValueError:
        return None


def birth_date_message(raw: str, unreadable: str = BIRTH_DATE_FORMAT) -> str:
    """Why a typed birth date was refused: an unreadable spelling, or a day that does not exist."""
    return unreadable if _birth_parts(raw) is None else BIRTH_DATE_IMPOSSIBLE


def for_child(values: dict, audience: str) -> bool:
    """Whether this form books for a child: always for a children's service; for a service for
    both, when the patient chose "a child I accompany"."""
    return audience == "child" or (audience == "all" and values.get("for_child") == "1")


def booking_request(values: dict, practitioner: str, service: str, audience: str = "adult") -> BookingRequest:
    birth = iso_birth_date(values["birth_date"])
    child = None
    if for_child(values, audience):
        typed = values["child_birth_date"]
        child = {"first_name": values["child_first_name"], "last_name": values["child_last_name"],
                 "birth_date": iso_birth_date(typed) or typed}
    return BookingRequest(
        child=child,
        practitioner=practitioner, service=service, start=values["start"],
        patient={
            "civility": values["civility"], "first_name": values["first_name"], "last_name": values["last_name"],
            "email": values["email"], "phone": values["phone"],
            "birth_date": birth if birth is not None else values["birth_date"],
        },
        consents={
            # Ticking the box acknowledges the notice the page showed; the core refuses an outdated one.
            "privacy_notice": values["privacy_version"] if values["privacy_notice"] else None,
            "email_reminders": values["email_reminders"], "sms_reminders": values["sms_reminders"],
        },
        comment=values["comment"],
    )


def form_errors(fields: dict[str, str], values: dict) -> dict[str, str]:
    """The core's keys (`patient.email`, `consents.sms_reminders`) mapped to form fields, in page order."""
    errors = {key.replace("child.", "child_") if key.startswith("child.") else key.split(".")[-1]: message
              for key, message in fields.items()}
    if "child" in errors:  # the page asks what the service needs: only a stale form gets here
        errors["for_child"] = errors.pop("child")
    if "birth_date" in errors and iso_birth_date(values["birth_date"]) is None:
        errors["birth_date"] = birth_date_message(values["birth_date"])
    if "child_birth_date" in errors and values["child_birth_date"].strip() and iso_birth_date(
            values["child_birth_date"]) is None:
        errors["child_birth_date"] = birth_date_message(values["child_birth_date"], CHILD_BIRTH_DATE_FORMAT)
    if "privacy_notice" in errors and not values["privacy_notice"]:
        errors["privacy_notice"] = N_("Cochez la case pour indiquer que vous avez pris connaissance de la politique de confidentialité.")
    ordered = {name: errors[name] for name in FIELDS if name in errors}
    ordered.update({k: v for k, v in errors.items() if k not in ordered})
    return ordered

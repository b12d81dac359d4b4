"""Validation of what a patient types: pure functions returning clean values or field errors.

Messages are French source strings, translated at the edge with the catalogs (see i18n).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email

from portal.patients import phone

CIVILITIES = ("", "mme", "m")
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '’.-]+[^\W\d_]+)*\.?$", re.UNICODE)
# Bidirectional controls (embeddings, overrides, isolates, marks) and zero-width characters: in
# a name a patient reads they reorder or hide text (a Right-to-Left Override in a practice name
# spoofs an SMS). A patient's names refuse them through _NAME_RE (letters only); names typed by
# the practice (its name, practitioners', services', professions) are checked with
# hidden_character(), in the forms and on the command line alike.
_HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u061c]")
HIDDEN_CHARACTER = "Ce texte contient un caractère invisible ou de sens d'écriture : retapez-le sans copier-coller."


def ascii_number(typed: object, longest: int) -> int | None:
    """A whole number typed in a form: ASCII digits only (after trimming), at most `longest` of
    them, else None. int() and str.isdecimal() take the digits of every script ("٧٢" is 72)."""
    text = typed.strip() if isinstance(typed, str) else ""
    if not (text and len(text) <= longest and text.isascii() and text.isdigit()):
        return None
    return int(text)


def hidden_character(value: str) -> bool:
    """Whether `value` holds a bidirectional control or a zero-width character."""
    return _HIDDEN.search(value) is not None


@dataclass(frozen=True)
class PatientInput:
    civility: str
    first_name: str
    last_name: str
    email: str
    phone: str  # E.164
    birth_date: date


@dataclass(frozen=True)
class Guardian:
    """The adult accompanying a child (a child's appointment): their names; their e-mail and
    mobile are the booking's contact (PatientInput.email and phone)."""

    first_name: str
    last_name: str


class FieldErrors(Exception):
    """One message per field (keys like `patient.email`)."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def clean_name(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    name = unicodedata.normalize("NFC", " ".join(raw.split()))
    if not 1 <= len(name) <= 100 or not _NAME_RE.match(name):
        return None
    return name


EMAIL_INVALID = "Indiquez une adresse e-mail valide, par exemple nom@exemple.fr."
EMAIL_UTF8_UNSUPPORTED = ("Notre service d'envoi ne sait pas encore transmettre une adresse avec des accents "
                          "avant le @ : indiquez une autre adresse, ou appelez le cabinet.")


def clean_email(raw: object, *, utf8_mailboxes: bool = True) -> tuple[str | None, str | None]:
    """(address, None) or (None, error message). An accented domain is always deliverable (it
    leaves IDNA-encoded); an accented mailbox name needs SMTPUTF8, so a deployment whose server
    lacks it refuses the address here rather than accept a booking it cannot confirm."""
    if not isinstance(raw, str) or len(raw) > 254:
        return None, EMAIL_INVALID
    try:
        # No DNS look-up: a booking must not depend on the network, nor leak the address.
        # Lower-cased whole: mailboxes are case-insensitive in practice, and a returning patient
        # is then found by an exact, indexed match.
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None, EMAIL_INVALID
    if not utf8_mailboxes and not checked.local_part.isascii():
        return None, EMAIL_UTF8_UNSUPPORTED
    return checked.normalized.lower(), None


def clean_phone(raw: object, *, for_sms: bool) -> tuple[str | None, str | None]:
    """(E.164, None) or (None, error message)."""
    if not isinstance(raw, str) or not raw.strip():
        return None, "Indiquez votre numéro de téléphone mobile."
    number = phone.parse(raw)
    if number is None:
        return None, "Ce numéro de téléphone n'est pas valide."
    kind = phone.kind(number)
    if kind in phone.COSTLY_TYPES:
        return None, "Ce numéro est surtaxé : indiquez un numéro de mobile."
    if for_sms and kind not in phone.SMS_TYPES:
        return None, "Ce numéro est un fixe : les rappels par SMS demandent un numéro de mobile (06 ou 07)."
    return phone.e164(raw), None


def clean_birth_date(raw: object, today: date) -> tuple[date | None, str | None]:
    if isinstance(raw, date):
        value = raw
    elif isinstance(raw, str):
        try:
            value = date.fromisoformat(raw.strip())
        except ValueError:
            return None, "Indiquez une date de naissance au format AAAA-MM-JJ."
    else:
        return None, "Indiquez votre date de naissance."
    if value > today:
        return None, "La date de naissance ne peut pas être dans le futur."
    if value.year < today.year - 120:
        return None, "Cette date de naissance n'est pas plausible."
    return value, None


def validate_patient(raw: object, *, today: date, for_sms: bool, utf8_mailboxes: bool = True,
                     birth_date: bool = True) -> PatientInput:
    """Clean a patient object or raise FieldErrors with every problem at once. `birth_date`
    False: the adult accompanying a child, whose own birth date is neither asked nor kept (the
    returned birth date is then `today`, for the caller to replace with the child's)."""
    data = raw if isinstance(raw, dict) else {}
    errors: dict[str, str] = {}
    civility = data.get("civility") or ""
    if civility not in CIVILITIES:
        errors["patient.civility"] = "Choisissez Madame, Monsieur, ou ne rien préciser."
    first = clean_name(data.get("first_name"))
    if first is None:
        errors["patient.first_name"] = "Indiquez votre prénom (lettres, espaces, tirets, apostrophes)."
    last = clean_name(data.get("last_name"))
    if last is None:
        errors["patient.last_name"] = "Indiquez votre nom (lettres, espaces, tirets, apostrophes)."
    email, email_error = clean_email(data.get("email"), utf8_mailboxes=utf8_mailboxes)
    if email_error:
        errors["patient.email"] = email_error
    phone, phone_error = clean_phone(data.get("phone"), for_sms=for_sms)
    if phone_error:
        errors["patient.phone"] = phone_error
    birth: date | None = today
    if birth_date:
        birth, birth_error = clean_birth_date(data.get("birth_date"), today)
        if birth_error:
            errors["patient.birth_date"] = birth_error
    if errors:
        raise FieldErrors(errors)
    return PatientInput(civility, first, last, email, phone, birth)  # type: ignore[arg-type]


CHILD_FIRST_NAME = "Indiquez le prénom de l'enfant (lettres, espaces, tirets, apostrophes)."
CHILD_LAST_NAME = "Indiquez le nom de l'enfant (lettres, espaces, tirets, apostrophes)."
CHILD_BIRTH_DATE = "Indiquez la date de naissance de l'enfant."
CHILD_NOT_MINOR = ("À la date du rendez-vous, cette personne aura 18 ans ou plus : cette prestation est réservée "
                   "aux enfants. Pour un adulte, choisissez une autre prestation.")


def age_on(birth: date, day: date) -> int:
    """Whole years of age on `day` (someone born on 29 February comes of age on 1 March)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def validate_child(raw: object, adult: PatientInput | None, *, today: date, visit_day: date | None,
                   majority_age: int) -> tuple[PatientInput, Guardian]:
    """A child's booking: the patient (the person seen) is the child, named with their birth
    date, and reached through the accompanying adult's e-mail and mobile (`adult`, validated
    by validate_patient without a birth date: None when it had errors, reported by the caller).
    The child must still be a minor on the day of the visit (`visit_day`; None when the start
    itself was invalid)."""
    data = raw if isinstance(raw, dict) else {}
    errors: dict[str, str] = {}
    first = clean_name(data.get("first_name"))
    if first is None:
        errors["child.first_name"] = CHILD_FIRST_NAME
    last = clean_name(data.get("last_name"))
    if last is None:
        errors["child.last_name"] = CHILD_LAST_NAME
    typed = data.get("birth_date")
    birth, birth_error = clean_birth_date(typed, today) if typed not in (None, "") else (None, CHILD_BIRTH_DATE)
    if birth_error:
        errors["child.birth_date"] = birth_error
    elif birth is not None and visit_day is not None and age_on(birth, visit_day) >= majority_age:
        errors["child.birth_date"] = CHILD_NOT_MINOR
    if errors or adult is None:
        raise FieldErrors(errors)
    return (PatientInput("", first, last, adult.email, adult.phone, birth),  # type: ignore[arg-type]
            Guardian(adult.first_name, adult.last_name))

"""A booking the practice takes on a patient's behalf (by phone): for a returning patient of the
practice or a new one, with the same slot rules as online unless the practice explicitly places
it outside them (an urgent slot), and the same write as online (portal.booking.rows: one
statement on PostgreSQL under the agenda lock, the overlap refused by the database). The
consents the patient gave on the phone are recorded with channel "phone"; the staff member is
the audit event's actor; the patient receives the same confirmation and reminders as online."""

from __future__ import annotations

from dataclasses import dataclass

from portal import access
from portal.booking.availability import load_staff_target
from portal.booking.book import (
    CHILD_REFUSED,
    CHILD_REQUIRED,
    BookingResult,
    Choices,
    Origin,
    clean_comment,
    manage_token_columns,
    new_booking,
    parse_consents,
    parse_start,
    store_booking,
)
from portal.booking.practice_side import check_staff_start
from portal.booking.rows import KnownPatient
from portal.context import Ctx
from portal.errors import FieldErrors, NotFound
from portal.models import Patient
from portal.patients.input import (
    CHILD_NOT_MINOR,
    Guardian,
    PatientInput,
    age_on,
    clean_name,
    clean_phone,
    validate_child,
    validate_patient,
)
from portal.practice.models import MAJORITY_AGE

PHONE = "phone"


@dataclass(frozen=True)
class PhoneBooking:
    practitioner_id: int
    service: str  # the service's slug
    start: object  # an aware datetime or an RFC 3339 string
    patient: object  # an existing patient's id, or the new patient's fields (as online)
    consents: object  # as online: {"privacy_notice": version, "email_reminders", "sms_reminders"}
    comment: object = ""
    outside_rules: bool = False
    locale: str = "fr"  # a new patient's language for messages; a returning one keeps theirs
    # A child's appointment (a service for children, or for both): for a new patient, the
    # child's {"first_name", "last_name", "birth_date"}, `patient` then being the accompanying
    # adult's fields without a birth date (as online); for a returning child (`patient` an id),
    # `guardian` {"first_name", "last_name"}: the adult who accompanies them this time.
    child: object = None
    guardian: object = None


def _collect(errors: dict[str, str], check, *args):
    try:
        return check(*args)
    except FieldErrors as exc:
        errors.update(exc.fields)
        return None


async def book_by_phone(ctx: Ctx, practitioner_id: int, service_slug: str, start: object, *, patient: object,
                        consents: object, comment: object = "", outside_rules: bool = False, locale: str = "fr",
                        secret_key: str = "", child: object = None, guardian: object = None) -> BookingResult:
    """`patient`: an existing patient's id, or a new patient's fields as online; `consents` as
    online, as the patient said them on the phone (the privacy notice's version they were told
    of, the reminder choices); `child`, `guardian`: a child's appointment (PhoneBooking)."""
    request = PhoneBooking(practitioner_id, service_slug, start, patient, consents, comment, outside_rules, locale,
                           child, guardian)
    return await book_phone_request(ctx, request, secret_key=secret_key)


async def book_phone_request(ctx: Ctx, request: PhoneBooking, *, secret_key: str = "") -> BookingResult:
    access.require_staff(ctx)
    practitioner = await access.practitioner_by_id(ctx, request.practitioner_id)
    known = await _returning_patient(ctx, request.patient)
    target = await load_staff_target(practitioner.id, request.service)
    errors: dict[str, str] = {}
    start = _collect(errors, parse_start, request.start)
    choices: Choices | None = _collect(errors, parse_consents, request.consents)
    comment = _collect(errors, clean_comment, request.comment)
    sms = bool(choices and choices.sms_reminders)
    for_child = _for_child(request, target.audience, known, errors)
    data = _collect(errors, _patient_input, request.patient, known, ctx, sms, not for_child)
    guardian = None
    if for_child and known is None:
        found = _collect(errors, lambda: validate_child(request.child, data, today=ctx.now.date(),
                                                        visit_day=start.date() if start else None,
                                                        majority_age=MAJORITY_AGE))
        data, guardian = found if found else (data, None)
    elif for_child and known is not None:
        guardian = _guardian(request.guardian, known, start, errors)
    if errors:
        raise FieldErrors(errors)
    if known is not None and known.practice_id != target.practice_id:
        raise NotFound("Patient introuvable.")  # a scope over several practices never mixes them
    await check_staff_start(target, start, ctx.now, request.outside_rules)
    known_patients = [_as_known(known)] if known else await _same_email_and_birth_date(target.practice_id, data)
    locale = known.locale if known else (request.locale if request.locale in ("fr", "en") else "fr")
    token, token_columns = manage_token_columns(secret_key)
    rows = new_booking(ctx, Origin(PHONE, PHONE, "", locale, online=False), target, known_patients, start, data,
                       choices, comment, guardian=guardian, **token_columns)
    return await store_booking(rows, target, token)


async def _returning_patient(ctx: Ctx, patient: object) -> Patient | None:
    """The practice's patient named by id (within the context's scope), or None for new data."""
    if isinstance(patient, dict):
        return None
    if type(patient) is not int:
        raise FieldErrors({"patient": "Choisissez un patient ou saisissez ses coordonnées."})
    return await access.patient_by_id(ctx, patient)


def _for_child(request: PhoneBooking, audience: str, known: Patient | None, errors: dict[str, str]) -> bool:
    """Whether this is a child's appointment: what the service asks (a service for both: when
    the child, or the accompanying adult of a returning child, is given)."""
    given = (request.child if known is None else request.guardian) is not None
    if audience == "child" and not given:
        errors["child"] = CHILD_REQUIRED
    elif audience == "adult" and given:
        errors["child"] = CHILD_REFUSED
    return audience == "child" or (audience == "all" and given)


def _guardian(raw: object, known: Patient, start, errors: dict[str, str]) -> Guardian | None:
    """The adult accompanying a returning child; the child must still be a minor that day."""
    data = raw if isinstance(raw, dict) else {}
    first, last = clean_name(data.get("first_name")), clean_name(data.get("last_name"))
    if first is None:
        errors["guardian.first_name"] = "Indiquez le prénom de l'adulte qui accompagne l'enfant."
    if last is None:
        errors["guardian.last_name"] = "Indiquez le nom de l'adulte qui accompagne l'enfant."
    if start is not None and age_on(known.birth_date, start.date()) >= MAJORITY_AGE:
        errors["patient"] = CHILD_NOT_MINOR
    return Guardian(first, last) if first and last else None


def _as_known(patient: Patient) -> KnownPatient:
    return KnownPatient(patient.id, patient.first_name, patient.last_name, patient.phone, patient.civility,
                        patient.locale)


def _patient_input(raw: object, known: Patient | None, ctx: Ctx, for_sms: bool, birth_date: bool = True,
                   ) -> PatientInput:
    if known is None:
        return validate_patient(raw, today=ctx.now.date(), for_sms=for_sms, birth_date=birth_date)
    if for_sms:
        _, error = clean_phone(known.phone, for_sms=True)
        if error:
            raise FieldErrors({"consents.sms_reminders": error})
    return PatientInput(known.civility, known.first_name, known.last_name, known.email, known.phone,
                        known.birth_date)


async def _same_email_and_birth_date(practice_id: int, data: PatientInput) -> list[KnownPatient]:
    """The practice's patients a new booking could be for (as online: the same person booking
    again keeps one record, portal.booking.rows.same_person)."""
    rows = await Patient.filter(practice_id=practice_id, email=data.email, birth_date=data.birth_date).values_list(
        "id", "first_name", "last_name", "phone", "civility", "locale")
    return [KnownPatient(*row) for row in rows]


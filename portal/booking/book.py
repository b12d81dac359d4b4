"""Booking an appointment online: the patient, the appointment, the consents, the outbox rows
and (when asked) the idempotent answer are written atomically, in one statement on PostgreSQL
or one short transaction on SQLite (portal.booking.rows). A booking the practice takes by phone
(portal.booking.phone_booking) is prepared and written by the same new_booking and store_booking,
with its own Origin."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import context
from portal.booking import confirm
from portal.booking.availability import BookingTarget, check_start, nearest_slots
from portal.booking.rows import (
    KnownPatient,
    NewAppointment,
    NewBooking,
    load_target_and_patients,
    write_booking,
    writes_in_one_statement,
)
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import NotAllowed, SlotTaken
from portal.limits import practitioner as practitioner_limits, sms as sms_rules
from portal.links import seal_manage_token
from portal.messaging import plan as message_plan
from portal.models import AppointmentStatus, IdempotencyRecord, Patient
from portal.patients import consent_texts
from portal.patients.input import FieldErrors, Guardian, PatientInput, validate_child, validate_patient
from portal.practice.models import MAJORITY_AGE
from portal.scheduling import blocked_interval
from portal.tokens import new_token, token_hash

MAX_COMMENT = 1000


@dataclass(frozen=True)
class BookingRequest:
    practitioner: str
    service: str
    start: object  # validated here: an aware datetime or an RFC 3339 string
    patient: object
    consents: object
    comment: object = ""
    source: str = "online"
    # A child's booking (a service for children): {"first_name", "last_name", "birth_date"} of
    # the child; `patient` is then the accompanying adult (no birth date), whose e-mail and
    # mobile receive the messages. None: the patient books for themselves.
    child: object = None


@dataclass(frozen=True)
class BookingResult:
    appointment_id: int
    status: str
    start: datetime
    end: datetime
    manage_token: str
    tz_name: str


@dataclass(frozen=True)
class Idempotency:
    """Write the answer into the key's reserved row with the booking, atomically, so a retry
    replays exactly it (portal.web.api.idempotency)."""

    key: str
    request_sha256: str
    body_for: Callable[[BookingResult], dict] = field(compare=False)


EARLIEST_YEAR, LATEST_YEAR = 2000, 2100  # beyond them a date is a typo or a probe, never a booking


def plausible(value: date) -> bool:
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


def parse_start(raw: object) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            raise FieldErrors({"start": "Indiquez l'heure au format RFC 3339, par exemple 2026-12-01T09:30:00+01:00."}) from None
    else:
        raise FieldErrors({"start": "Choisissez un créneau."})
    if value.tzinfo is None:
        raise FieldErrors({"start": "L'heure doit indiquer son décalage horaire (+01:00, Z…)."})
    if not plausible(value):
        raise FieldErrors({"start": "Ce créneau n'est pas proposé à la réservation."})
    return value


@dataclass(frozen=True)
class Choices:
    privacy_version: str
    email_reminders: bool
    sms_reminders: bool


def parse_consents(raw: object) -> Choices:
    data = raw if isinstance(raw, dict) else {}
    errors = {}
    version = data.get("privacy_notice")
    if not isinstance(version, str) or version not in consent_texts.known_privacy_versions():
        errors["consents.privacy_notice"] = "Prenez connaissance de la politique de confidentialité pour réserver."
    elif version != consent_texts.PRIVACY_NOTICE_VERSION:
        errors["consents.privacy_notice"] = "La politique de confidentialité a changé : relisez-la pour réserver."
    for name in ("email_reminders", "sms_reminders"):
        if not isinstance(data.get(name, False), bool):
            errors[f"consents.{name}"] = "Indiquez oui ou non."
    if errors:
        raise FieldErrors(errors)
    return Choices(version, data.get("email_reminders", False), data.get("sms_reminders", False))


def clean_comment(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, str):
        raw = raw.replace("\r\n", "\n")  # a browser's textarea counts a line break as one character
    if not isinstance(raw, str) or len(raw) > MAX_COMMENT:
        raise FieldErrors({"comment": f"Le commentaire est limité à {MAX_COMMENT} caractères."})
    # Keep line breaks, drop other control characters.
    return "".join(ch for ch in raw.strip() if ch in "\n\t" or ch.isprintable())


@dataclass(frozen=True)
class Validated:
    start: datetime
    patient: PatientInput  # the person seen: for a child's booking, the child (reached through the adult)
    choices: Choices
    comment: str
    guardian: Guardian | None = None  # the adult accompanying a child


def validate_request(request: BookingRequest, now: datetime, utf8_mailboxes: bool = True) -> Validated:
    """Every field problem at once, before touching the database."""
    errors: dict[str, str] = {}
    parsed: dict[str, object] = {}
    checks = {
        "start": lambda: parse_start(request.start),
        "consents": lambda: parse_consents(request.consents),
        "comment": lambda: clean_comment(request.comment),
    }
    for name, check in checks.items():
        try:
            parsed[name] = check()
        except FieldErrors as exc:
            errors.update(exc.fields)
    choices = parsed.get("consents")
    for_sms = bool(getattr(choices, "sms_reminders", False))
    for_child = request.child is not None
    try:
        parsed["patient"] = validate_patient(request.patient, today=now.date(), for_sms=for_sms,
                                             utf8_mailboxes=utf8_mailboxes, birth_date=not for_child)
    except FieldErrors as exc:
        errors.update(exc.fields)
    guardian = None
    if for_child:
        start = parsed.get("start")
        try:
            parsed["patient"], guardian = validate_child(
                request.child, parsed.get("patient"), today=now.date(), majority_age=MAJORITY_AGE,
                visit_day=start.date() if isinstance(start, datetime) else None)
        except FieldErrors as exc:
            errors.update(exc.fields)
    if errors:
        raise FieldErrors(errors)
    return Validated(parsed["start"], parsed["patient"], parsed["consents"], parsed["comment"],  # type: ignore[arg-type]
                     guardian)


CHILD_REQUIRED = "Cette prestation est réservée aux enfants : indiquez l'enfant qui vient au rendez-vous."
CHILD_REFUSED = "Cette prestation est réservée aux adultes : pour un enfant, choisissez une prestation pour enfants."


def check_audience(audience: str, guardian: Guardian | None) -> None:
    """A service for children needs the child (and the adult); one for adults takes no child."""
    if audience == "child" and guardian is None:
        raise FieldErrors({"child": CHILD_REQUIRED})
    if audience == "adult" and guardian is not None:
        raise FieldErrors({"child": CHILD_REFUSED})


def is_slot_violation(exc: IntegrityError) -> bool:
    """The SQLite trigger and the PostgreSQL exclusion constraint both name `slot_taken`."""
    return "slot_taken" in str(exc)


async def slot_taken(target: BookingTarget, start: datetime, now: datetime) -> SlotTaken:
    nearest = await nearest_slots(target, start, now)
    return SlotTaken(nearest=[slot.start.astimezone(target.tz) for slot in nearest])


@dataclass(frozen=True)
class Origin:
    """Where a booking comes from: online (the visitor's own context) or taken by the practice
    (a phone booking: consents said on the phone, the staff member as the audit's actor)."""

    source: str
    consent_channel: str
    consent_ip: str
    locale: str
    online: bool = True  # the practitioner is notified of bookings they did not take themselves


def online_origin(ctx: Ctx, source: str) -> Origin:
    return Origin(source, ctx.channel, ctx.ip, ctx.locale if ctx.locale in ("fr", "en") else "fr")


def new_booking(
    ctx: Ctx, origin: Origin, target: BookingTarget, known_patients: list[KnownPatient], start: datetime,
    patient_data: PatientInput, choices: Choices, comment: str, hold: confirm.Hold | None = None,
    guardian: Guardian | None = None, **token_columns: str,
) -> NewBooking:
    """Everything the booking writes, prepared before the first write: on SQLite the whole
    process queues behind the transaction, so it should hold nothing but its statements."""
    now, locale = ctx.now, origin.locale
    blocked = blocked_interval(start, target.rules)
    texts = [consent_texts.privacy_notice(locale, choices.privacy_version)]
    texts += [consent_texts.opt_in(name, locale) for name in ("email_reminders", "sms_reminders")
              if getattr(choices, name)]
    messages = message_plan.MessageContext(
        starts_at=start, now=now, email_reminder=choices.email_reminders, sms_reminder=choices.sms_reminders,
        reminder_policy=target.reminder_policy, notify_practitioner=target.notify_practitioner,
    )
    planned = message_plan.on_booked(messages, online=origin.online)
    held: dict[str, object] = {}
    if hold is not None:  # nothing but the code until the patient confirms
        planned = message_plan.on_held(messages, hold.until)
        held = {"status": AppointmentStatus.HELD.value, "hold_until": hold.until, "confirm_code_sealed": hold.code_sealed}
    return NewBooking(
        practice_id=target.practice_id, patient=patient_data, known_patients=known_patients, locale=locale,
        appointment=dict(
            practice_id=target.practice_id, practitioner_id=target.practitioner_id, service_id=target.service_id,
            starts_at=start, ends_at=start + target.duration, blocked_from=blocked.start, blocked_until=blocked.end,
            sms_reminder=choices.sms_reminders, email_reminder=choices.email_reminders,
            comment=comment, source=origin.source, locale=locale, **token_columns, **held,
            guardian_first_name=guardian.first_name if guardian else None,
            guardian_last_name=guardian.last_name if guardian else None,
        ),
        consents=texts, ctx=ctx, consent_channel=origin.consent_channel, consent_ip=origin.consent_ip,
        planned=planned, consents_given_by="guardian" if guardian else "patient",
    )


async def refuse_if_restricted(patient_ids: list[int]) -> None:
    """A patient who restricted processing (or objected) is not booked online until they lift it
    (privacy centre); the practice can still book them by phone. One indexed read, only for a
    returning patient (the known records of this address and birth date)."""
    if await Patient.filter(id__in=patient_ids, restricted_at__isnull=False).exists():
        raise NotAllowed("Vous avez limité l'utilisation de vos données : la réservation en ligne est suspendue. "
                         "Levez la limitation dans votre espace confidentialité, ou appelez le cabinet.")


def manage_token_columns(secret_key: str) -> tuple[str, dict[str, str]]:
    token = new_token()
    return token, dict(manage_token_sealed=seal_manage_token(token, secret_key) if secret_key else "",
                       manage_token_hash=token_hash(token))


async def book_appointment(
    ctx: Ctx, request: BookingRequest, *, secret_key: str = "", idempotency: Idempotency | None = None,
    utf8_mailboxes: bool = True,
) -> BookingResult:
    """Book online for whoever `ctx` names (a visitor on the pages or the API): the consents
    are recorded with its channel and IP, the booking in its locale, an audit event with its
    actor. `secret_key` seals the manage token for links in later messages (portal.links).
    `utf8_mailboxes`: whether the deployment can send to an accented mailbox name (SMTPUTF8)."""
    now = ctx.now
    valid = validate_request(request, now, utf8_mailboxes)
    start, patient_data, choices, comment = valid.start, valid.patient, valid.choices, valid.comment
    target, known_patients = await load_target_and_patients(request.practitioner, request.service, patient_data)
    check_audience(target.audience, valid.guardian)
    if known_patients:
        await refuse_if_restricted([known.id for known in known_patients])
    if choices.sms_reminders and not sms_rules.allowed(patient_data.phone, target.sms_regions):
        raise FieldErrors({"patient.phone": sms_rules.NOT_ALLOWED})  # no SMS to where the practice sends none
    if target.confirm_online:  # holds not confirmed in time give their slots back first
        await confirm.release_expired(context.system("holds", now=now), target.practitioner_id)
    verdict = await check_start(target, start, now)
    if verdict == "off_grid":
        raise FieldErrors({"start": "Ce créneau n'est pas proposé à la réservation."})
    if verdict == "taken":
        raise await slot_taken(target, start, now)
    # The practitioner's online limits, reserved last: a refused request costs them nothing.
    online = request.source == "online"
    reserved = await practitioner_limits.reserve(target.practice_id, target.practitioner_id, target.online_per_hour,
                                                 target.online_per_day, now) if online else []
    try:
        token, token_columns = manage_token_columns(secret_key)
        hold = confirm.new_hold(now, secret_key) if target.confirm_online and online else None
        rows = new_booking(ctx, online_origin(ctx, request.source), target, known_patients, start, patient_data,
                           choices, comment, hold, valid.guardian, **token_columns)
        return await store_booking(rows, target, token, idempotency)
    except BaseException:
        await practitioner_limits.give_back(reserved)
        raise


async def store_booking(rows: NewBooking, target: BookingTarget, token: str,
                        idempotency: Idempotency | None = None) -> BookingResult:
    """Write a prepared booking (portal.booking.rows): one statement on PostgreSQL unless an
    idempotent answer goes with it; an overlap the database refuses becomes SlotTaken."""
    start, now = rows.appointment["starts_at"], rows.now

    def result_of(appointment: NewAppointment) -> BookingResult:
        return BookingResult(appointment.id, appointment.status, appointment.starts_at, appointment.ends_at, token,
                             str(target.tz))

    async def transaction() -> BookingResult:
        if idempotency is None and writes_in_one_statement():  # atomic by itself
            return result_of(await write_booking(connections.get("default"), rows))
        async with in_transaction() as conn:
            result = result_of(await write_booking(conn, rows))
            if idempotency is not None:
                # The API reserved the key; the answer is written with the booking, atomically.
                await IdempotencyRecord.filter(key=idempotency.key).using_db(conn).update(
                    status_code=201, body=json.dumps(idempotency.body_for(result)))
        return result

    try:
        return await retry_locked(transaction)
    except IntegrityError as exc:
        if is_slot_violation(exc):
            raise await slot_taken(target, start, now) from None
        raise

"""The rows a booking reads and writes, in plain SQL: one read before writing, then the writes.

This is the hottest write of the system. On SQLite the whole web process queues behind its
transaction, so tortoise's model machinery around each statement (instances, query building,
signals) would be time the lock is held. On PostgreSQL each statement is a round trip, so the
writes are one statement of data-modifying CTEs, atomic without BEGIN and COMMIT. The models and
their migrations stay the schema's source of truth; tests/booking read these rows back through
the ORM on both databases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise import connections

from portal.audit.record import AUDIT_COLUMNS, event_row
from portal.booking.availability import (
    TARGET_COLUMNS,
    TARGET_FROM,
    TARGET_WHERE,
    TARGET_WIDTH,
    BookingTarget,
    target_from_row,
)
from portal.context import Ctx
from portal.errors import NotFound
from portal.messaging.outbox import OUTBOX_COLUMNS, message_row, write_planned
from portal.messaging.plan import PlannedMessage
from portal.models import AppointmentStatus
from portal.patients.consent import CONSENT_COLUMNS, consent_row, record_consents
from portal.patients.consent_texts import ConsentText
from portal.patients.input import PatientInput
from portal.patients.search_key import search_key
from portal.sql import Expression, fetch, fetch_on, insert_many, insert_sql

# The booking's one read before its transaction: the target (practitioner, service, practice)
# and the practice's patients with this e-mail and birth date (one row each, or one row of
# NULLs). Outside the transaction it keeps the lock short on SQLite and saves a round trip.
_TARGET_AND_PATIENTS = f"""SELECT {TARGET_COLUMNS}, pa.id, pa.first_name, pa.last_name, pa.phone, pa.civility, pa.locale
FROM {TARGET_FROM}
LEFT JOIN patient pa ON pa.practice_id = p.practice_id AND pa.email = ? AND pa.birth_date = ?
WHERE {TARGET_WHERE}"""
_PATIENT_COLUMNS = ("practice_id", "civility", "first_name", "last_name", "email", "phone", "birth_date", "locale",
                    "search_key", "created_at", "updated_at")
_APPOINTMENT_COLUMNS = ("practice_id", "practitioner_id", "service_id", "patient_id", "starts_at", "ends_at",
                        "blocked_from", "blocked_until", "status", "sms_reminder", "email_reminder", "comment",
                        "contact_phone", "guardian_first_name", "guardian_last_name", "source", "version", "locale", "manage_token_hash", "manage_token_sealed",
                        "hold_until", "confirm_code_sealed", "confirm_attempts", "created_at", "updated_at")


# On PostgreSQL, every write of an active appointment's span takes this transaction-scoped lock
# on the practitioner's agenda first: pg_advisory_xact_lock(AGENDA_LOCK, practitioner_id).
# Without it, two overlapping inserts at the same instant each wait for the other's exclusion
# check and deadlock (PostgreSQL aborts one after deadlock_timeout, a second, and retries can
# deadlock again). Serialized, the second finds the first committed: slot_taken at once.
AGENDA_LOCK = 0x435245


async def lock_agenda(conn, practitioner_id: int) -> None:
    """Take the agenda lock inside `conn`'s transaction (SQLite's write lock already serializes)."""
    if conn.capabilities.dialect == "postgres":
        await fetch_on(conn, "SELECT 1 FROM pg_advisory_xact_lock(?, ?)", AGENDA_LOCK, practitioner_id)


def _practitioner_after_agenda_lock(practitioner_id: int) -> Expression:
    # In one statement: the value of the row's practitioner_id, computed (lock taken) before
    # the row is inserted and the exclusion constraint checked.
    return Expression("(SELECT CAST(? AS INTEGER) FROM pg_advisory_xact_lock(?, ?))",
                      (practitioner_id, AGENDA_LOCK, practitioner_id))


@dataclass
class NewAppointment:
    """What the rest of the booking needs of the row just written (outbox planning, answer)."""

    id: int
    practice_id: int
    starts_at: datetime
    ends_at: datetime
    version: int = 1
    status: str = AppointmentStatus.NOT_FILLED.value


@dataclass(frozen=True)
class KnownPatient:
    id: int
    first_name: str
    last_name: str
    phone: str
    civility: str
    locale: str


async def load_target_and_patients(
    practitioner_slug: str, service_slug: str, data: PatientInput
) -> tuple[BookingTarget, list[KnownPatient]]:
    rows = await fetch(_TARGET_AND_PATIENTS, service_slug, data.email, data.birth_date, practitioner_slug)
    if not rows:
        raise NotFound("Praticien introuvable.")
    return target_from_row(rows[0]), [KnownPatient(*row[TARGET_WIDTH:]) for row in rows
                                         if row[TARGET_WIDTH] is not None]


@dataclass(frozen=True)
class NewBooking:
    """Everything a booking writes, prepared before the first statement."""

    practice_id: int
    patient: PatientInput
    known_patients: list[KnownPatient]
    locale: str
    appointment: dict  # appointment columns, but for the patient, status, version and times
    consents: list[ConsentText]
    planned: list[PlannedMessage]
    ctx: Ctx  # who books: the audit event carries its actor, channel and IP
    consent_channel: str  # how the patient gave the consents: the context's channel online, "phone"…
    consent_ip: str
    consents_given_by: str = "patient"  # "guardian": the adult accompanying a child, on the child's behalf

    @property
    def now(self) -> datetime:
        return self.ctx.now


def same_person(known: list[KnownPatient], data: PatientInput) -> KnownPatient | None:
    """The same person booking again (same e-mail, birth date and names) keeps one record."""
    names = (data.first_name.casefold(), data.last_name.casefold())
    return next((p for p in known if (p.first_name.casefold(), p.last_name.casefold()) == names), None)


def writes_in_one_statement() -> bool:
    """PostgreSQL writes a booking with one statement, atomic by itself; SQLite needs the
    caller's transaction around write_booking."""
    return connections.get("default").capabilities.dialect == "postgres"


async def write_booking(conn, booking: NewBooking) -> NewAppointment:
    """On SQLite, inside the caller's transaction (`conn`); see writes_in_one_statement."""
    if conn.capabilities.dialect == "postgres":
        return await _write_in_one_statement(conn, booking)
    known = same_person(booking.known_patients, booking.patient)
    if known is None:
        patient_id = await _insert_returning_id(conn, "patient", _PATIENT_COLUMNS, _patient_row(booking))
    else:
        patient_id = known.id  # never updated here: see _appointment_row
    appointment = _new_appointment(await _insert_returning_id(
        conn, "appointment", _APPOINTMENT_COLUMNS, _appointment_row(booking, patient_id)), booking)
    ctx = booking.ctx
    await record_consents(practice_id=booking.practice_id, patient_id=patient_id, appointment_id=appointment.id,
                          texts=booking.consents, now=ctx.now, channel=booking.consent_channel,
                          ip=booking.consent_ip, conn=conn, given_by=booking.consents_given_by)
    await write_planned(appointment, booking.planned, conn, now=ctx.now, fresh=True)
    await insert_many(conn, "audit_event", AUDIT_COLUMNS, [_audit_row(booking, appointment.id, patient_id)])
    return appointment


async def _write_in_one_statement(conn, booking: NewBooking) -> NewAppointment:
    """PostgreSQL: the patient, the appointment, its consents and its messages in one statement
    of data-modifying CTEs. One round trip instead of six (BEGIN, four INSERTs, COMMIT); a
    violated constraint (slot_taken) undoes all of it, as a transaction would."""
    data, now, params = booking.patient, booking.now, []
    ctes = []
    known = same_person(booking.known_patients, data)
    if known is None:
        ctes.append(f"new_patient AS ({insert_sql('patient', _PATIENT_COLUMNS, [_patient_row(booking)], params)} "
                    "RETURNING id)")
        patient_id = Expression("(SELECT id FROM new_patient)")
    else:
        patient_id = known.id  # never updated here: see _appointment_row
    appointment = _appointment_row(booking, patient_id)
    appointment["practitioner_id"] = _practitioner_after_agenda_lock(appointment["practitioner_id"])
    ctes.append(f"new_appointment AS ({insert_sql('appointment', _APPOINTMENT_COLUMNS, [appointment], params)} "
                "RETURNING id)")
    appointment_id = Expression("(SELECT id FROM new_appointment)")
    if booking.consents:
        rows = [consent_row(booking.practice_id, patient_id, appointment_id, text, now, booking.consent_channel,
                            booking.consent_ip, given_by=booking.consents_given_by) for text in booking.consents]
        ctes.append(f"consents AS ({insert_sql('consent_record', CONSENT_COLUMNS, rows, params)})")
    if booking.planned:
        rows = [message_row(booking.practice_id, appointment_id, 1,
                            Expression(f"{appointment_id.sql}::text || ?", (message.dedupe_suffix(1),)), message, now)
                for message in booking.planned]
        ctes.append(f"messages AS ({insert_sql('outbox_message', OUTBOX_COLUMNS, rows, params)})")
    audit = _audit_row(booking, appointment_id, patient_id)
    ctes.append(f"audit AS ({insert_sql('audit_event', AUDIT_COLUMNS, [audit], params)})")
    rows = await fetch_on(conn, "WITH " + ",\n".join(ctes) + "\nSELECT id FROM new_appointment", *params)
    return _new_appointment(rows[0][0], booking)


async def _insert_returning_id(conn, table: str, columns: tuple[str, ...], row: dict) -> int:
    params: list = []
    sql = insert_sql(table, columns, [row], params) + " RETURNING id"
    return (await fetch_on(conn, sql, *params))[0][0]


def _patient_row(booking: NewBooking) -> dict:
    data, now = booking.patient, booking.now
    return dict(practice_id=booking.practice_id, civility=data.civility, first_name=data.first_name,
                last_name=data.last_name, email=data.email, phone=data.phone, birth_date=data.birth_date,
                locale=booking.locale, search_key=search_key(data.first_name, data.last_name, data.email, data.phone),
                created_at=now, updated_at=now)


def _appointment_row(booking: NewBooking, patient_id) -> dict:
    """Whoever books without signing in proves nothing about the returning patient they name:
    the contact details they type serve this booking (contact_phone; the e-mail is the match
    key) and never change the patient's record, which the messages of other bookings use.
    Verified correction of the record belongs to the privacy centre."""
    now = booking.now
    return {"status": AppointmentStatus.NOT_FILLED.value, "hold_until": None, "confirm_code_sealed": "",
            "confirm_attempts": 0, "guardian_first_name": None, "guardian_last_name": None, **booking.appointment, "patient_id": patient_id,
            "contact_phone": booking.patient.phone, "version": 1, "created_at": now, "updated_at": now}


def _audit_row(booking: NewBooking, appointment_id, patient_id) -> dict:
    """The ids may be SQL of the single-statement booking. The source is said when the booking
    did not come from the context itself (a phone booking taken by staff)."""
    source = booking.appointment["source"]
    detail = {} if source in ("online", "api") else {"source": source}
    return event_row(booking.ctx, "appointment.book", "appointment", appointment_id,
                     practice_id=booking.practice_id, patient_id=patient_id, **detail)


def _new_appointment(appointment_id: int, booking: NewBooking) -> NewAppointment:
    fields = booking.appointment
    return NewAppointment(appointment_id, booking.practice_id, fields["starts_at"], fields["ends_at"],
                          status=fields.get("status", AppointmentStatus.NOT_FILLED.value))

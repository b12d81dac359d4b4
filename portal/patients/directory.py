"""The practice's patients as its staff see them: a bounded, paginated search by name, phone
(any spelling) or e-mail; a patient's page (identity, visit history with attendance, absences,
private notes), whose every opening is audited; and the correction of contact details, which is
the practice's record to keep right (audited too, without the values)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import event_row, record as audit, record_read, record_reads
from portal.booking.attendance import absence_counts
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors
from portal.models import CANCELLED_STATUSES, Appointment, AppointmentStatus, Patient
from portal.patients.input import clean_email, clean_phone
from portal.patients.notes import Note, notes_of
from portal.patients.search_key import search_key, search_terms
from portal.sql import as_date, fetch

DEFAULT_LIMIT, MAX_LIMIT = 25, 100
MAX_VISITS = 200


@dataclass(frozen=True)
class PatientRow:
    id: int
    civility: str
    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: date


@dataclass(frozen=True)
class SearchPage:
    patients: list[PatientRow]
    next_cursor: int | None  # the last patient's id: the next page starts after it (no data in URLs)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _in(values: list[int]) -> str:
    return ", ".join("?" for _ in values)


async def search(ctx: Ctx, query: str = "", limit: int = DEFAULT_LIMIT, cursor: int | None = None) -> SearchPage:
    """Patients in scope whose name, e-mail or phone contains every term of `query`, by name.
    Each term is one LIKE on the folded key; the scan is bounded by the practice and the limit."""
    access.require_staff(ctx)
    if type(limit) is not int or not 1 <= limit <= MAX_LIMIT:
        raise FieldErrors({"limit": f"De 1 à {MAX_LIMIT} patients par page."})
    practices = sorted(ctx.scope.practice_ids or ())
    where, params = [f"p.practice_id IN ({_in(practices)})"], list(practices)
    for term in search_terms(query):
        where.append("p.search_key LIKE ? ESCAPE '\\'")
        params.append(f"%{_escape_like(term)}%")
    practitioners = ctx.scope.practitioner_ids
    if practitioners is not None:
        ids = sorted(practitioners)
        where.append(f"EXISTS (SELECT 1 FROM appointment a WHERE a.patient_id = p.id "
                     f"AND a.practitioner_id IN ({_in(ids)}))")
        params += ids
    if cursor is not None:
        key = await _cursor_key(ctx, cursor)
        if key is None:
            return SearchPage([], None)
        where.append("(p.search_key > ? OR (p.search_key = ? AND p.id > ?))")
        params += [key, key, cursor]
    rows = await fetch(f"""SELECT p.id, p.civility, p.first_name, p.last_name, p.email, p.phone, p.birth_date,
       p.practice_id
FROM patient p WHERE {' AND '.join(where)} ORDER BY p.search_key, p.id LIMIT ?""", *params, limit + 1)
    found = [PatientRow(*row[:6], as_date(row[6])) for row in rows[:limit]]
    # Each patient shown (name, contact, birth date) is a read of theirs; what was typed is not kept.
    await record_reads([event_row(ctx, "patient.search", "patient", row[0], practice_id=row[7], patient_id=row[0])
                        for row in rows[:limit]])
    return SearchPage(found, found[-1].id if len(rows) > limit else None)


async def picked(ctx: Ctx, patient_id: int) -> Patient:
    """A patient chosen from a search (the phone booking's form given back): shown again, so
    recorded as the search records each patient it shows."""
    access.require_staff(ctx)
    patient = await access.patient_by_id(ctx, patient_id)
    await record_read(ctx, "patient.search", "patient", patient.id, practice_id=patient.practice_id,
                      patient_id=patient.id)
    return patient


async def _cursor_key(ctx: Ctx, cursor: object) -> str | None:
    if not access.is_id(cursor):
        raise FieldErrors({"cursor": "Cette page de résultats n'existe pas."})
    return await access.scoped(ctx, Patient.filter(id=cursor)).first().values_list("search_key", flat=True)


@dataclass(frozen=True)
class Visit:
    appointment_id: int
    practitioner_id: int
    service: str
    starts_at: datetime
    status: AppointmentStatus
    source: str


@dataclass(frozen=True)
class PatientPage:
    patient: PatientRow
    locale: str
    visits: list[Visit]  # newest first, at most MAX_VISITS, of the agendas in scope
    absences: dict[str, int]  # {"absent": n, "excused_absence": n}
    notes: list[Note]


async def patient_page(ctx: Ctx, patient_id: int) -> PatientPage:
    access.require_staff(ctx)
    patient = await access.patient_by_id(ctx, patient_id)
    visits = await access.scoped(ctx, Appointment.filter(patient_id=patient.id), practitioner="practitioner_id") \
        .order_by("-starts_at", "-id").limit(MAX_VISITS) \
        .values_list("id", "practitioner_id", "service__name", "starts_at", "status", "source")
    absences = (await absence_counts(ctx, [patient.id]))[patient.id]
    notes = await notes_of(ctx, patient.id)
    await record_read(ctx, "patient.view", "patient", patient.id, practice_id=patient.practice_id,
                      patient_id=patient.id)
    return PatientPage(_row(patient), patient.locale,
                       [Visit(id_, pr, service, starts, AppointmentStatus(status), source)
                        for id_, pr, service, starts, status, source in visits], absences, notes)


def _row(patient: Patient) -> PatientRow:
    return PatientRow(patient.id, patient.civility, patient.first_name, patient.last_name, patient.email,
                      patient.phone, patient.birth_date)


def _clean_contact(email: object, phone: object) -> dict[str, str]:
    changes, errors = {}, {}
    if email is not None:
        cleaned, error = clean_email(email)
        if error:
            errors["email"] = error
        changes["email"] = cleaned or ""
    if phone is not None:
        number, error = clean_phone(phone, for_sms=False)
        if error:
            errors["phone"] = error
        changes["phone"] = number or ""
    if not changes:
        errors["email"] = "Indiquez l'adresse e-mail ou le numéro à corriger."
    if errors:
        raise FieldErrors(errors)
    return changes


async def correct_contact(ctx: Ctx, patient_id: int, *, email: object = None, phone: object = None) -> PatientRow:
    """Correct the practice's record of a patient's e-mail and/or phone. A new number also
    serves the patient's upcoming bookings (their messages go to the booking's contact number)."""
    access.require_staff(ctx)
    patient = await access.patient_by_id(ctx, patient_id)
    changes = _clean_contact(email, phone)
    for name, value in changes.items():
        setattr(patient, name, value)
    key = search_key(patient.first_name, patient.last_name, patient.email, patient.phone)

    async def transaction() -> None:
        async with in_transaction() as conn:
            await Patient.filter(id=patient.id).using_db(conn).update(search_key=key, updated_at=ctx.now, **changes)
            if "phone" in changes:
                await Appointment.filter(patient_id=patient.id, starts_at__gt=ctx.now).exclude(
                    status__in=list(CANCELLED_STATUSES)).using_db(conn).update(
                    contact_phone=changes["phone"], updated_at=ctx.now)
            await audit(conn, ctx, "patient.correct", "patient", patient.id, practice_id=patient.practice_id,
                        patient_id=patient.id)

    await retry_locked(transaction)
    return _row(patient)

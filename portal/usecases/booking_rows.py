"""The rows a booking writes, in plain SQL inside the booking's transaction.

This is the hottest write of the system, and on SQLite the whole web process queues behind it:
tortoise's model machinery around each statement (instances, query building, signals) is time
the transaction holds the lock for. The models and their migrations stay the schema's source of
truth; tests/usecases check these rows read back through the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.models import AppointmentStatus
from portal.patient_input import PatientInput
from portal.sql import fetch_on

_FIND_PATIENT = """SELECT id, first_name, last_name, phone, civility, locale FROM patient
WHERE practice_id = ? AND email = ? AND birth_date = ?"""
_INSERT_PATIENT = """INSERT INTO patient (practice_id, civility, first_name, last_name, email, phone, birth_date,
locale, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"""
_UPDATE_PATIENT = "UPDATE patient SET phone = ?, civility = ?, locale = ?, updated_at = ? WHERE id = ?"
_APPOINTMENT_COLUMNS = ("practice_id", "practitioner_id", "service_id", "patient_id", "starts_at", "ends_at",
                        "blocked_from", "blocked_until", "status", "sms_reminder", "email_reminder", "comment",
                        "source", "version", "locale", "manage_token_hash", "manage_token_sealed",
                        "created_at", "updated_at")
_INSERT_APPOINTMENT = (f"INSERT INTO appointment ({', '.join(_APPOINTMENT_COLUMNS)}) "
                       f"VALUES ({', '.join('?' * len(_APPOINTMENT_COLUMNS))}) RETURNING id")


@dataclass
class NewAppointment:
    """What the rest of the booking needs of the row just written (outbox planning, answer)."""

    id: int
    practice_id: int
    starts_at: datetime
    ends_at: datetime
    version: int = 1
    status: str = AppointmentStatus.NOT_FILLED.value


async def find_or_create_patient(conn, practice_id: int, data: PatientInput, locale: str, now: datetime) -> int:
    """The same person booking again (same e-mail, birth date and names) keeps one record, with
    the phone, civility and language of their latest booking."""
    for pid, first, last, phone, civility, known_locale in await fetch_on(
        conn, _FIND_PATIENT, practice_id, data.email, data.birth_date
    ):
        if (first.casefold(), last.casefold()) == (data.first_name.casefold(), data.last_name.casefold()):
            if (phone, civility, known_locale) != (data.phone, data.civility, locale):
                await fetch_on(conn, _UPDATE_PATIENT, data.phone, data.civility, locale, now, pid)
            return pid
    rows = await fetch_on(conn, _INSERT_PATIENT, practice_id, data.civility, data.first_name, data.last_name,
                          data.email, data.phone, data.birth_date, locale, now, now)
    return rows[0][0]


async def insert_appointment(conn, fields: dict, patient_id: int, now: datetime) -> NewAppointment:
    values = {**fields, "patient_id": patient_id, "status": AppointmentStatus.NOT_FILLED.value, "version": 1,
              "created_at": now, "updated_at": now}
    rows = await fetch_on(conn, _INSERT_APPOINTMENT, *(values[name] for name in _APPOINTMENT_COLUMNS))
    return NewAppointment(rows[0][0], fields["practice_id"], fields["starts_at"], fields["ends_at"])

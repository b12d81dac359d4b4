"""Erasure ("right to be forgotten"), and the anonymisation retention applies: driven by the data
map (portal.patients.data_map, each table's `erased` columns), in one transaction, then the
message files under var/outbox/.

What is removed: identity and contact data on the patient row (the row stays, anonymised: the
kept consent proofs and audit events point at it by id), the appointments' comments, contact
numbers, accompanying adults' names (a child's appointment) and manage links (future bookings are cancelled, freeing the slot), pending messages
(cancelled), message errors (they may quote an address), the IP addresses of the patient's
consent and audit rows (the database allows blanking `ip` and nothing else, migration 0007), the
patient's privacy links and their messages, and every message file of theirs.

What is kept, minimal: past appointments as anonymous busy time (times, service, attendance) for
the practitioner's history, and the consent ledger rows (purpose, granted, text version and
hash, time, channel) that prove a past consent was valid, now of an anonymous patient.
The practice sees a `patient.erase` audit event carrying no patient data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from tortoise import connections
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from portal.audit.record import record as audit
from portal.context import Ctx
from portal.db import dialect
from portal.messaging.plan import PRIVACY_KINDS
from portal.models import (
    CANCELLED_STATUSES,
    Appointment,
    AppointmentStatus,
    AuditEvent,
    ConsentRecord,
    OutboxMessage,
    OutboxStatus,
    Patient,
    PatientNote,
    PrivacyLink,
)
from portal.patients.data_map import OUTBOX_FILE_PREFIX, table
from portal.tokens import new_token, token_hash

log = logging.getLogger("creneau.privacy")
ERASED_BIRTH_DATE = date(1900, 1, 1)  # the column is required: a date that names nobody
ERASED_REASON = "patient erased"
_BLANK = {"civility": "", "first_name": "", "last_name": "", "email": "", "phone": "",
          "birth_date": ERASED_BIRTH_DATE, "search_key": "", "restriction_reason": None}


@dataclass
class Erased:
    patients: int = 0
    appointments: int = 0
    messages: int = 0
    files: int = 0


def _patient_values(now) -> dict:
    erased = table("patient").erased
    assert set(erased) == set(_BLANK), "the data map and the erasure disagree on the patient's columns"
    return {**_BLANK, "restricted_at": None, "erased_at": now, "updated_at": now}


async def erase_patients(ctx: Ctx, patient_ids: list[int], *, outbox_dir: Path | None, source: str) -> Erased:
    """Anonymise these patient records (already checked against `ctx` by the caller)."""
    done = Erased()
    rows = await Patient.filter(id__in=patient_ids, erased_at=None).values("id", "practice_id", "email", "phone")
    if not rows:
        return done
    ids = [row["id"] for row in rows]
    contacts = {value for row in rows for value in (row["email"], row["phone"]) if value}
    async with in_transaction() as conn:
        appointments = await Appointment.filter(patient_id__in=ids).using_db(conn).values("id", "patient_id", "status", "starts_at")
        appointment_ids = [a["id"] for a in appointments]
        links = await PrivacyLink.filter(email__in=contacts).using_db(conn).values_list("id", "outbox_message_id")
        changes = await PrivacyLink.filter(new_value__in=contacts).using_db(conn).values_list("id", "outbox_message_id")
        link_messages = [message for _, message in [*links, *changes] if message]
        message_ids = list(await OutboxMessage.filter(appointment_id__in=appointment_ids).using_db(conn).values_list(
            "id", flat=True)) + link_messages
        await Patient.filter(id__in=ids).using_db(conn).update(**_patient_values(ctx.now))
        for appointment in appointments:
            future = appointment["starts_at"] > ctx.now and appointment["status"] not in CANCELLED_STATUSES
            changes_ = {"status": AppointmentStatus.CANCELLED_BY_PATIENT, "cancelled_at": ctx.now} if future else {}
            # A random hash nobody holds the token of: the manage link is dead, the column stays unique.
            await Appointment.filter(id=appointment["id"]).using_db(conn).update(
                comment="", contact_phone="", cancel_reason=None, sms_reminder=False, email_reminder=False,
                guardian_first_name=None, guardian_last_name=None, manage_token_hash=token_hash(new_token()), manage_token_sealed="", version=F("version") + 1,
                updated_at=ctx.now, **changes_)
        await OutboxMessage.filter(id__in=message_ids, status=OutboxStatus.PENDING).using_db(conn).update(
            status=OutboxStatus.CANCELLED, last_error=ERASED_REASON)
        await OutboxMessage.filter(id__in=message_ids).exclude(last_error=ERASED_REASON).using_db(conn).update(
            last_error="")
        # A privacy message has no appointment to keep it meaningful: it goes with its link.
        await OutboxMessage.filter(id__in=link_messages, kind__in=PRIVACY_KINDS).using_db(conn).delete()
        await PrivacyLink.filter(id__in=[link for link, _ in [*links, *changes]]).using_db(conn).delete()
        await PatientNote.filter(patient_id__in=ids).using_db(conn).delete()
        await ConsentRecord.filter(patient_id__in=ids).exclude(ip="").using_db(conn).update(ip="")
        await AuditEvent.filter(patient_id__in=ids).exclude(ip="").using_db(conn).update(ip="")
        quiet = replace(ctx, ip="")  # the erasure's own event must not tie an address to the patient
        for row in rows:
            await audit(conn, quiet, "patient.erase", "patient", row["id"], practice_id=row["practice_id"],
                        patient_id=row["id"], source=source,
                        count=sum(1 for a in appointments if a["patient_id"] == row["id"]))
    done.patients, done.appointments, done.messages = len(ids), len(appointment_ids), len(message_ids)
    await flush_journal()
    if outbox_dir is not None:
        done.files = remove_message_files(outbox_dir, message_ids)
    return done


async def flush_journal() -> None:
    """SQLite keeps the pages as they were before the change in its write-ahead log until a
    checkpoint: copy them into the file (where secure_delete zeroed the old content) and empty
    the log now, rather than whenever SQLite gets to it."""
    if dialect() == "sqlite":
        await connections.get("default").execute_query("PRAGMA wal_checkpoint(TRUNCATE)")


def remove_message_files(outbox_dir: Path, message_ids: list[int]) -> int:
    """The file backends name each message after its outbox row (outbox-{id}.eml / .txt)."""
    removed = 0
    for message_id in message_ids:
        for suffix in (".eml", ".txt"):
            path = outbox_dir / f"{OUTBOX_FILE_PREFIX}{message_id}{suffix}"
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:
                continue
    return removed

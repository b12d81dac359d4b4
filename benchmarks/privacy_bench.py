"""Erasure and purge on a full database (SQLite, this machine).

(a) erasure of one patient (3 appointments, their consents, messages and audit events) with
20,000 patients in the database: median of 20 erasures, each of another patient.
(b) `creneau purge` over a year of data: 20,000 patients with one visit each spread over the last
14 months, their consents, messages and audit events, a year of audit events; with the default
policy (2 months after the last visit) most of them are anonymised in this run.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from creneau import database as db
from portal import context
from portal.models import Practitioner, Service
from portal.patients.erasure import erase_patients
from portal.patients.retention import purge
from portal.practice.demo import load_demo
from portal.sql import insert_many

PATIENTS = 20_000
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
PATIENT_COLUMNS = ("practice_id", "civility", "first_name", "last_name", "email", "phone", "birth_date", "locale",
                   "created_at", "updated_at")
APPOINTMENT_COLUMNS = ("practice_id", "practitioner_id", "service_id", "patient_id", "starts_at", "ends_at",
                       "blocked_from", "blocked_until", "status", "sms_reminder", "email_reminder", "comment",
                       "contact_phone", "source", "version", "locale", "manage_token_hash", "manage_token_sealed",
                       "created_at", "updated_at")
CONSENT_COLUMNS = ("practice_id", "patient_id", "appointment_id", "purpose", "granted", "text_version", "text_sha256",
                   "recorded_at", "channel", "ip")
OUTBOX_COLUMNS = ("practice_id", "appointment_id", "kind", "channel", "audience", "appointment_version", "dedupe_key",
                  "due_at", "expires_at", "status", "attempts", "next_attempt_at", "last_error", "provider_id",
                  "created_at")
AUDIT_COLUMNS = ("at", "practice_id", "actor", "role", "action", "object_type", "object_id", "patient_id", "detail",
                 "channel", "ip")


async def fill(visits_per_patient: int, span_days: int) -> None:
    """PATIENTS patients and their visits, back to back from `span_days` ago, 20 minutes each."""
    from tortoise import connections

    practice = await load_demo()
    practitioner = await Practitioner.filter(practice_id=practice.id).order_by("id").first()
    service = await Service.filter(practitioner_id=practitioner.id).first()
    conn = connections.get("default")
    start = NOW - timedelta(days=span_days)
    step = timedelta(days=span_days) / (PATIENTS * visits_per_patient)
    for first in range(0, PATIENTS, 1000):
        ids = range(first, min(first + 1000, PATIENTS))
        await insert_many(conn, "patient", PATIENT_COLUMNS, [dict(
            practice_id=practice.id, civility="", first_name=f"Prénom{n}", last_name=f"Nom{n}",
            email=f"patient{n}@example.org", phone=f"+336{n:08d}", birth_date=date(1980, 1, 1), locale="fr",
            created_at=start, updated_at=start) for n in ids])
    patient_ids = [row["id"] for row in (await conn.execute_query_dict("SELECT id FROM patient ORDER BY id"))]
    slot = 0
    for first in range(0, len(patient_ids), 500):
        rows = []
        for pid in patient_ids[first:first + 500]:
            for _ in range(visits_per_patient):
                begins = start + step * slot
                ends = begins + min(step, timedelta(minutes=20))
                rows.append(dict(practice_id=practice.id, practitioner_id=practitioner.id, service_id=service.id,
                                 patient_id=pid, starts_at=begins, ends_at=ends, blocked_from=begins, blocked_until=ends,
                                 status="came", sms_reminder=True, email_reminder=True, comment=f"commentaire {pid}",
                                 contact_phone=f"+336{pid:08d}", source="online", version=1, locale="fr",
                                 manage_token_hash=f"{slot:064d}", manage_token_sealed="", created_at=begins,
                                 updated_at=begins))
                slot += 1
        await insert_many(conn, "appointment", APPOINTMENT_COLUMNS, rows)
    appointments = await conn.execute_query_dict("SELECT id, patient_id, starts_at FROM appointment")
    for first in range(0, len(appointments), 300):
        consents, messages, events = [], [], []
        for a in appointments[first:first + 300]:
            for purpose in ("privacy_notice", "email_reminders", "sms_reminders"):
                consents.append(dict(practice_id=practice.id, patient_id=a["patient_id"], appointment_id=a["id"],
                                     purpose=purpose, granted=True, text_version="2026-11-26", text_sha256="0" * 64,
                                     recorded_at=start, channel="web", ip="203.0.113.7"))
            for kind, channel in (("confirmation", "email"), ("confirmation", "sms"), ("reminder", "email")):
                messages.append(dict(practice_id=practice.id, appointment_id=a["id"], kind=kind, channel=channel,
                                     audience="patient", appointment_version=1,
                                     dedupe_key=f"{a['id']}:{kind}:{channel}", due_at=start, expires_at=start,
                                     status="sent", attempts=1, next_attempt_at=start, last_error="", provider_id="",
                                     created_at=start))
            events.append(dict(at=start, practice_id=practice.id, actor="visitor", role="", action="appointment.book",
                               object_type="appointment", object_id=a["id"], patient_id=a["patient_id"], detail="{}",
                               channel="web", ip="203.0.113.7"))
        await insert_many(conn, "consent_record", CONSENT_COLUMNS, consents)
        await insert_many(conn, "outbox_message", OUTBOX_COLUMNS, messages)
        await insert_many(conn, "audit_event", AUDIT_COLUMNS, events)


async def _erasure(path: Path) -> float:
    url = f"sqlite://{path}"
    await db.migrate(url)
    await db.close()
    await db.init(url)
    try:
        await fill(3, 30)
        timings = []
        for pid in range(100, 2100, 100):
            started = time.perf_counter()
            await erase_patients(context.system("bench", now=NOW), [pid], outbox_dir=path.parent / "outbox",
                                 source="patient")
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)
    finally:
        await db.close()


async def _purge(path: Path) -> tuple[float, dict]:
    url = f"sqlite://{path}"
    await db.migrate(url)
    await db.close()
    await db.init(url)
    try:
        await fill(1, 425)
        started = time.perf_counter()
        report = await purge(context.system("bench", now=NOW), outbox_dir=path.parent / "outbox", outbox_file_days=7)
        return time.perf_counter() - started, report.counts
    finally:
        await db.close()


def run() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        erase = asyncio.run(_erasure(Path(tmp) / "erase.sqlite3"))
    with tempfile.TemporaryDirectory() as tmp:
        purged, counts = asyncio.run(_purge(Path(tmp) / "purge.sqlite3"))
    return [
        ("(a) erase one patient, 20,000 in the database (SQLite)", f"{erase * 1000:.1f} ms", "seconds, not days"),
        (f"(b) purge a year: {counts['patients|anonymised']} anonymised, "
         f"{counts['consent IP addresses|blanked']} consent IPs", f"{purged:.1f} s", "daily job"),
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))

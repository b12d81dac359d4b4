"""`creneau purge` on an injected clock, on each side of each retention boundary."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

from portal import context
from portal.clock import utcnow
from portal.models import Appointment, AuditEvent, ConsentRecord, Patient, Practice, PrivacyLink
from portal.patients.retention import months_before, purge
from tests.builders import book, load_demo, paris

TUESDAY_14 = paris(2026, 12, 1, 14)
MINUTE = timedelta(minutes=1)


async def run(now, tmp_path: Path | None = None, *, dry_run: bool = False, days: int = 7):
    report = await purge(context.system("purge", now=now), outbox_dir=tmp_path, outbox_file_days=days, dry_run=dry_run)
    return report.counts


def test_months_before_clamps_to_the_end_of_the_month():
    assert months_before(paris(2027, 3, 31, 9), 1) == paris(2027, 2, 28, 9)
    assert months_before(paris(2027, 1, 15, 9), 13) == paris(2025, 12, 15, 9)


async def test_a_patient_is_anonymised_retention_months_after_the_last_visit(any_database, now):
    await load_demo()
    result = await book(TUESDAY_14, now, comment="Genou")
    end = (await Appointment.get(id=result.appointment_id)).ends_at
    await Appointment.filter(id=result.appointment_id).update(status="came")
    boundary = months_before(end, -2)  # two months after the visit (the default)
    assert (await run(boundary - MINUTE))["patients|anonymised"] == 0
    assert (await Patient.get()).last_name == "Durand-Lefèvre"
    assert (await run(boundary + MINUTE, dry_run=True))["patients|anonymised"] == 1
    assert (await Patient.get()).erased_at is None  # a dry run changes nothing
    assert (await run(boundary + MINUTE))["patients|anonymised"] == 1
    erased = await Patient.get()
    assert erased.last_name == "" and erased.email == "" and erased.erased_at == boundary + MINUTE
    visit = await Appointment.get(id=result.appointment_id)
    assert visit.status == "came" and visit.comment == ""  # kept as anonymous busy time
    details = await AuditEvent.filter(action="patient.erase").values_list("detail", flat=True)
    assert [detail["source"] for detail in details] == ["retention"]


async def test_a_practice_keeps_longer_if_it_says_so_and_a_future_visit_keeps_the_patient(database, now):
    await load_demo()
    await Practice.all().update(retention_months=36)
    await book(TUESDAY_14, now)
    assert (await run(paris(2029, 11, 30, 9)))["patients|anonymised"] == 0
    assert (await run(paris(2029, 12, 2, 9)))["patients|anonymised"] == 1


async def test_the_end_of_the_contract_plus_two_months_anonymises_everyone(any_database, now):
    await load_demo()
    await book(TUESDAY_14, now)  # a visit still to come
    await Practice.all().update(contract_ends_on=date(2026, 11, 30), retention_months=120)
    assert (await run(paris(2027, 1, 29, 23)))["patients|anonymised"] == 0
    assert (await run(paris(2027, 1, 30, 1)))["patients|anonymised"] == 1


async def test_audit_events_lose_their_ip_after_12_months_and_go_after_13(any_database):
    real_now = utcnow()  # the database's own trigger reads its clock for the 13 months
    for months, days in ((13, -1), (13, 1), (12, 1)):
        await AuditEvent.create(at=months_before(real_now, months) + timedelta(days=days), actor="system:test",
                                action="test", object_type="test", ip="203.0.113.9")
    counts = await run(real_now)
    assert counts["audit events|deleted"] == 1  # the one older than 13 months
    assert await AuditEvent.filter(action="test").count() == 2
    assert counts["audit IP addresses|blanked"] == 1  # between 12 and 13 months: kept, without its IP
    assert await AuditEvent.filter(action="test", ip="").count() == 1


async def test_consent_ips_are_blanked_after_12_months(database, now):
    await load_demo()
    await Practice.all().update(retention_months=60)  # the patient stays: only the IPs go
    await book(TUESDAY_14, now)
    assert (await run(months_before(now, -12) - MINUTE))["consent IP addresses|blanked"] == 0
    assert (await run(months_before(now, -12) + MINUTE))["consent IP addresses|blanked"] == 3
    assert await ConsentRecord.exclude(ip="").count() == 0 and await ConsentRecord.all().count() == 3


async def test_message_files_and_expired_links_are_deleted(database, now, tmp_path):
    await load_demo()
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    old, recent = outbox / "outbox-1.eml", outbox / "outbox-2.txt"
    for path, age in ((old, timedelta(days=7, minutes=1)), (recent, timedelta(days=6, hours=23))):
        path.write_text("body")
        moment = (now - age).timestamp()
        os.utime(path, (moment, moment))
    await PrivacyLink.create(kind="centre", token_hash="a" * 64, email="x@example.org", created_at=now,
                             expires_at=now + timedelta(minutes=30))
    counts = await run(now + timedelta(minutes=29), outbox)
    assert counts["message files|deleted"] == 1 and not old.exists() and recent.exists()
    assert counts["expired privacy links|deleted"] == 0
    assert (await run(now + timedelta(minutes=31), outbox))["expired privacy links|deleted"] == 1
    assert await PrivacyLink.all().count() == 0


def test_the_command_prints_counts_never_names(creneau):
    assert creneau("demo").returncode == 0
    done = creneau("purge", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "patients: 0 would be anonymised" in done.stdout and "message files" in done.stdout

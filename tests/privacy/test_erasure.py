"""Erasure: a patient who booked (pages and API), was messaged (the worker writing files under
var/outbox/), appeared in a full-detail calendar feed, opened the privacy centre and changed
their e-mail erases themselves; then no table (every column of every table) and no file under
var/ holds their name, e-mail, phone (any spelling), birth date or comment. The practice's trail
says an erasure happened, without their data."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from tortoise import connections

from calendar_sync.tokens import create_feed_token
from notifier.channels.file import FileChannel
from portal.models import Appointment, AuditEvent, ConsentRecord, OutboxMessage, Patient
from portal.patients.data_map import TABLES
from tests.builders import OSTEO, book, consents, load_demo, paris, patient, system
from tests.patient_pages.conftest import csrf_token
from tests.privacy.conftest import drain, open_centre

COMMENT = "Douleur au genou droit depuis la chute"
NEW_EMAIL = "elise.nouvelle@example.net"
NEEDLES = [
    "Élise", "Durand-Lefèvre", "Durand", "elise.durand@example.org", "elise.durand", NEW_EMAIL,
    "+33612345678", "0612345678", "06 12 34 56 78", "06.12.34.56.78", "33612345678", "612345678",
    "1987-04-12", "12/04/1987", "19870412", COMMENT, "genou",
    "203.0.113.7",  # the address the bookings came from (tests.builders.visitor): consent and audit rows
]


def readable(path: Path) -> str:
    """A file as a person would read it: an e-mail's headers and every part decoded (base64,
    quoted-printable, RFC 2047), anything else as its bytes."""
    data = path.read_bytes()
    if path.suffix != ".eml":
        return data.decode("utf-8", errors="replace")
    message = email.message_from_bytes(data, policy=email.policy.default)
    texts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if payload:
            texts.append(payload.decode("utf-8", errors="replace"))
    return "\n".join(texts) + data.decode("utf-8", errors="replace")


def latest_file(var: Path, pattern: str) -> str:
    files = sorted((var / "outbox").glob(pattern), key=lambda path: int(re.sub(r"\D", "", path.stem)))
    return readable(files[-1])


def link_from_file(text: str, path: str) -> str:
    return re.search(rf"https?://[^/\s]+({re.escape(path)}[A-Za-z0-9_-]+)", text).group(1)


async def scan_tables() -> list[str]:
    conn = connections.get("default")
    found = []
    tables = [row["name"] for row in await conn.execute_query_dict(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        columns = [row["name"] for row in await conn.execute_query_dict(f'PRAGMA table_info("{table}")')]
        for column in columns:
            for needle in NEEDLES:
                rows = await conn.execute_query_dict(
                    f'SELECT COUNT(*) AS n FROM "{table}" WHERE instr(lower(CAST("{column}" AS TEXT)), lower(?)) > 0',
                    [needle])
                if rows[0]["n"]:
                    found.append(f"{table}.{column}: {needle}")
    return found


def scan_files(var: Path) -> list[str]:
    found = []
    for path in var.rglob("*"):
        if path.is_file():
            data, text = path.read_bytes().lower(), readable(path).lower()
            found += [f"{path.relative_to(var)}: {needle}" for needle in NEEDLES
                      if needle.lower() in text or needle.lower().encode("utf-16-le") in data]
    return found


async def test_after_erasure_nothing_names_the_patient(make_client, frozen, tmp_path):
    await load_demo()
    channels = {"email": FileChannel(tmp_path / "outbox"), "sms": FileChannel(tmp_path / "outbox")}
    async with make_client(EMAIL_BACKEND="file", SMS_BACKEND="file") as http:
        app = http._transport.app
        await book(paris(2026, 12, 1, 14), frozen, comment=COMMENT)  # the booking form's use case
        answer = await http.post("/api/v1/bookings", headers={"Idempotency-Key": "k-1"}, json={
            "practitioner": OSTEO, "service": "consultation-adulte", "start": "2026-12-02T10:00:00+01:00",
            "patient": patient(phone="+33 6 12 34 56 78"), "consents": consents(), "comment": COMMENT})
        assert answer.status_code == 201, answer.text
        past = await book(paris(2026, 12, 3, 10), frozen)  # becomes a past visit below
        issued = await create_feed_token(system(frozen), OSTEO, level="full")
        feed = await http.get(f"/feeds/{issued.token}.ics")
        assert "Durand-Lef" in feed.text  # the practitioner's feed names the patient at this level
        await drain(app, channels, frozen)
        assert "Durand-Lef" in latest_file(tmp_path, "*.eml")

        form = await http.get("/privacy/access")
        await http.post("/privacy/access", data={"csrf_token": csrf_token(form.text), "email": "elise.durand@example.org"})
        await drain(app, channels, frozen)
        link = link_from_file(latest_file(tmp_path, "*.eml"), "/privacy/c/")
        centre = await open_centre(http, link)
        await http.post(link + "/contact/email", data={"csrf_token": csrf_token(centre.text), "email": NEW_EMAIL})
        await drain(app, channels, frozen)
        confirm = link_from_file(latest_file(tmp_path, "*.eml"), "/privacy/confirm/")
        page = await http.get(confirm)
        await http.post(confirm, data={"csrf_token": csrf_token(page.text)})
        assert await Patient.filter(email=NEW_EMAIL).count() == 1
        # A visit of last week (written directly: nobody can book in the past).
        await Appointment.filter(id=past.appointment_id).update(
            status="came", starts_at=paris(2026, 11, 23, 10), ends_at=paris(2026, 11, 23, 10, 45),
            blocked_from=paris(2026, 11, 23, 10), blocked_until=paris(2026, 11, 23, 10, 45))

        # The data map is true: every column that names the patient is mapped as patient data.
        personal = {f"{t.name}.{column}" for t in TABLES for column in t.personal}
        unmapped = {hit.split(":")[0] for hit in await scan_tables()} - personal
        assert unmapped == set(), f"columns holding patient data but missing from the data map: {unmapped}"
        centre = await http.get(link)
        erased = await http.post(link + "/erase", data={"csrf_token": csrf_token(centre.text), "confirm": "yes"})
        assert erased.status_code == 200 and "Vos données sont effacées" in erased.text
        assert (await http.get(link)).status_code == 404
        feed = await http.get(f"/feeds/{issued.token}.ics")
        assert "Durand" not in feed.text

    assert await scan_tables() == []
    found = scan_files(tmp_path)
    assert found == [], "\n".join(found)
    # What is kept: the consent proofs (of an anonymous patient), past visits as busy time.
    assert await ConsentRecord.filter(ip__not="").count() == 0
    assert await ConsentRecord.all().count() >= 9
    kept = await Appointment.get(id=past.appointment_id)
    assert kept.status == "came" and kept.comment == ""
    assert await Appointment.filter(status="cancelled_by_patient").count() == 2  # the upcoming ones
    assert await OutboxMessage.filter(status="pending").count() == 0
    events = await AuditEvent.filter(action="patient.erase").values("practice_id", "patient_id", "detail", "ip")
    assert len(events) == 1 and events[0]["ip"] == "" and events[0]["practice_id"] is not None

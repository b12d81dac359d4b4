"""The worker over a real database (SQLite, and PostgreSQL when available) with memory channels
and an injected clock: nothing lost, nothing twice, nothing late, nothing without consent."""

import random
import re
from datetime import timedelta
from email.header import decode_header, make_header

from notifier.errors import PermanentSendError, TransientSendError
from notifier.worker import drain_once
from portal.booking.manage import cancel_appointment, reschedule_appointment
from portal.models import OutboxMessage, Patient
from portal.patients.consent import record_consents
from portal.patients.consent_texts import opt_in
from tests.builders import book, load_demo, paris, patient, patient_ctx
from tests.notifier.peers import bare_message_id


def subject(outgoing) -> str:
    return str(make_header(decode_header(outgoing.message["Subject"])))


async def statuses() -> dict[tuple[str, str, int], str]:
    rows = await OutboxMessage.all().values("kind", "channel", "appointment_version", "status")
    return {(r["kind"], r["channel"], r["appointment_version"]): r["status"] for r in rows}


async def test_booking_confirmation_goes_out_once(any_database, settings, channels, clock, now):
    await load_demo()
    result = await book(paris(2026, 12, 1, 11), now)
    stats = await drain_once(settings, channels, now=clock)
    assert stats.outcomes == {"sent": 3}
    emails = channels["email"].sent
    assert sorted(m.recipients[0] for m in emails) == ["camille.martin@cabinet-des-lilas.example", "elise.durand@example.org"]
    sms = channels["sms"].sent
    assert len(sms) == 1 and sms[0].to == "+33612345678" and sms[0].client_ref.startswith("outbox-")
    # The short link (/r/…, resolved to the manage page: tests/notifier/test_sms_fit.py).
    assert re.search(r"https://rdv\.example\.fr/r/[0-9a-z]+[A-Za-z0-9_-]{22}$", sms[0].text)
    assert result.manage_token not in sms[0].text
    assert "Consultation" not in sms[0].text  # the practice did not opt in to naming the service
    assert (await drain_once(settings, channels, now=clock)).claimed == 0
    assert await OutboxMessage.filter(status="sent").count() == 3


async def test_reminder_goes_at_its_time_and_never_after_the_start(any_database, settings, channels, clock, now):
    await load_demo()
    await book(paris(2026, 12, 3, 11), now)  # reminders: e-mail 72 h before, SMS 48 h before
    await drain_once(settings, channels, now=clock)
    channels["email"].sent.clear(), channels["sms"].sent.clear()
    clock.set(paris(2026, 11, 30, 10, 59))
    assert (await drain_once(settings, channels, now=clock)).claimed == 0
    clock.set(paris(2026, 11, 30, 11))
    assert (await drain_once(settings, channels, now=clock)).outcomes == {"sent": 1}
    assert "Rappel" in subject(channels["email"].sent[0])
    clock.set(paris(2026, 12, 3, 11))  # the SMS reminder was never sent in time: it expires
    assert (await drain_once(settings, channels, now=clock)).outcomes == {"expired": 1}
    assert channels["sms"].sent == []


async def test_move_and_cancellation_supersede_pending_messages(any_database, settings, channels, clock, now):
    await load_demo()
    result = await book(paris(2026, 12, 3, 11), now)
    await drain_once(settings, channels, now=clock)
    await reschedule_appointment(patient_ctx(now), result.manage_token, paris(2026, 12, 4, 11))
    await drain_once(settings, channels, now=clock)
    moved = [m for m in channels["email"].sent if "déplacé" in subject(m)
             and m.recipients == ("elise.durand@example.org",)]  # the practitioner's notice says it too
    assert len(moved) == 1
    ics = [p for p in moved[0].message.walk() if p.get_content_type() == "application/ics"][0].get_payload(decode=True)
    assert b"METHOD:REQUEST" in ics and b"SEQUENCE:2" in ics and b"DTSTART;TZID=Europe/Paris:20261204T110000" in ics
    await cancel_appointment(patient_ctx(now), result.manage_token)
    await drain_once(settings, channels, now=clock)
    cancelled = [m for m in channels["email"].sent if "annulé" in subject(m)]
    patient_notice = [m for m in cancelled if m.recipients == ("elise.durand@example.org",)][0]
    ics = [p for p in patient_notice.message.walk() if p.get_content_type() == "application/ics"][0].get_payload(decode=True)
    assert b"METHOD:CANCEL" in ics and b"SEQUENCE:3" in ics and b"STATUS:CANCELLED" in ics
    clock.set(paris(2026, 12, 3, 11))  # old reminders were cancelled by the use cases
    assert (await drain_once(settings, channels, now=clock)).claimed == 0
    assert all(status in ("sent", "cancelled") for status in (await statuses()).values())


async def test_withdrawn_consent_stops_a_message_already_due(any_database, settings, channels, clock, now):
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    stored = await Patient.get(email="elise.durand@example.org")
    # Written straight to the ledger, without cancelling the rows: the worker must see it.
    from tortoise import connections

    await record_consents(practice_id=stored.practice_id, patient_id=stored.id, appointment_id=None,
                          texts=[opt_in("sms_reminders", "fr")], now=now, channel="sms", ip="",
                          conn=connections.get("default"), granted=False)
    stats = await drain_once(settings, channels, now=clock)
    assert stats.outcomes == {"sent": 2, "cancelled": 1}
    assert channels["sms"].sent == []


async def test_transient_errors_retry_with_backoff_permanent_ones_fail(database, settings, channels, clock, now):
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    channels["email"].failures.extend([TransientSendError("451 later"), PermanentSendError("550 no such user")])
    stats = await drain_once(settings, channels, now=clock, rng=random.Random(1))
    assert stats.outcomes == {"retry": 1, "failed": 1, "sent": 1}
    retry = await OutboxMessage.get(status="pending", channel="email")
    assert retry.attempts == 1 and now < retry.next_attempt_at <= now + timedelta(seconds=30)
    assert (await drain_once(settings, channels, now=clock)).claimed == 0  # not yet due
    clock.set(retry.next_attempt_at)
    assert (await drain_once(settings, channels, now=clock)).outcomes == {"sent": 1}
    assert (await OutboxMessage.get(id=retry.id)).attempts == 2


async def test_retries_stop_at_expiry_and_a_poison_message_blocks_nothing(database, settings, channels, clock, now):
    await load_demo()
    await book(paris(2026, 11, 30, 17), now)  # starts in 8 hours
    await book(paris(2026, 12, 1, 11), now, patient=patient(email="autre@example.org", first_name="Jean"))

    class Poison(Exception):
        pass

    class Flaky:
        """Fails every message to one address: transient for SMS-free e-mail, a bug otherwise."""

        def __init__(self, inner):
            self.inner, self.sent = inner, inner.sent

        async def send(self, message):
            if message.recipients == ("elise.durand@example.org",):
                raise Poison("renderer exploded")
            return await self.inner.send(message)

        async def close(self):
            pass

    flaky = {"email": Flaky(channels["email"]), "sms": channels["sms"]}
    for _ in range(40):
        stats = await drain_once(settings, flaky, now=clock, rng=random.Random(2))
        if stats.claimed == 0:
            clock.advance(minutes=20)
        if clock() > paris(2026, 11, 30, 18):
            break
    poisoned = await OutboxMessage.get(appointment__patient__email="elise.durand@example.org", kind="confirmation", channel="email")
    assert poisoned.status == "dead" and "renderer exploded" in poisoned.last_error and poisoned.attempts > 3
    others = await OutboxMessage.filter(appointment__patient__email="autre@example.org", kind="confirmation")
    assert all(row.status == "sent" for row in others)


async def test_a_lease_that_runs_out_brings_the_message_back_with_the_same_id(database, settings, channels, clock, now):
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    from notifier.claim import claim_due

    claimed = await claim_due(now, now + timedelta(minutes=2), 10)  # a worker claims, then dies
    assert len(claimed) == 3
    assert (await drain_once(settings, channels, now=clock)).claimed == 0
    clock.advance(minutes=3)
    stats = await drain_once(settings, channels, now=clock)
    assert stats.outcomes == {"sent": 3}
    ids = sorted(bare_message_id(m.message_id) for m in channels["email"].sent)
    assert ids == sorted(f"<outbox-{row['id']}@rdv.example.fr>" for row in claimed if row["channel"] == "email")

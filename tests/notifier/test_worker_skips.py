"""The same reasons through the worker, each situation built with the real use cases: what the
outbox row says afterwards (status and last_error), and that nothing left by any channel.

Three reasons of the policy cannot be reached this way and stay rows of test_skip_reasons.py:
'appointment no longer exists' (deleting an appointment deletes its messages), and 'appointment
cancelled' / 'appointment no longer cancelled' with an unchanged version (every cancellation is a
new version, so 'superseded' answers first)."""

from datetime import timedelta

import pytest

from notifier import policy
from notifier.claim import claim_due, release_expired_leases
from notifier.inbound import withdraw_sms_consent
from notifier.worker import drain_once
from portal.booking.manage import reschedule_appointment, set_reminders
from portal.messaging.plan import CONFIRMATION, EMAIL, PATIENT, PRACTITIONER, REMINDER, SMS
from portal.models import OutboxMessage, OutboxStatus, Practice
from portal.practice.demo import DEMO_PRACTICE
from tests.builders import book, load_demo, paris, patient_ctx, provider
from tests.notifier.peers import bare_message_id

VISIT = paris(2026, 12, 3, 11)  # "now" is Monday 30 November, 9:00 in Paris
LEASE = timedelta(minutes=2)


async def a_worker_dies_holding_what_is_due(clock) -> None:
    """It claimed the due messages and was killed: they stay 'sending' until the lease ends."""
    assert await claim_due(clock(), clock() + LEASE, 50)


async def too_late(clock, now):
    await book(VISIT, now)
    clock.set(VISIT)


async def breaks_its_worker_ten_times(clock, now):
    await book(VISIT, now)
    for _ in range(policy.MAX_STRIKES):
        await a_worker_dies_holding_what_is_due(clock)
        clock.advance(minutes=3)
        await release_expired_leases(clock())


async def moved_while_a_worker_held_it(clock, now):
    booked = await book(VISIT, now)
    await a_worker_dies_holding_what_is_due(clock)
    await reschedule_appointment(patient_ctx(now), booked.manage_token, VISIT + timedelta(days=1))
    clock.advance(minutes=3)


async def practitioner_notices_turned_off(clock, now):
    await book(VISIT, now)
    await Practice.filter(slug=DEMO_PRACTICE).update(notify_practitioner=False)


async def sms_turned_off_on_the_manage_page(clock, now):
    booked = await book(VISIT, now)
    await set_reminders(patient_ctx(now), booked.manage_token, email=True, sms=False)


async def stop_while_a_worker_held_it(clock, now):
    await book(VISIT, now)
    await a_worker_dies_holding_what_is_due(clock)
    assert await withdraw_sms_consent(provider(now), key="inbound-1", msisdn="33612345678") == 1
    clock.advance(minutes=3)


async def email_reminders_off_while_a_worker_held_one(clock, now):
    booked = await book(VISIT, now)
    clock.set(VISIT - timedelta(hours=48))  # the e-mail reminder is due
    await a_worker_dies_holding_what_is_due(clock)
    await set_reminders(patient_ctx(clock()), booked.manage_token, email=False, sms=True)
    clock.advance(minutes=3)


NO_SMS = (OutboxStatus.CANCELLED, "no sms_reminders consent")
SITUATIONS = [  # situation, the message looked at (kind, channel, audience, version), its status and reason
    (too_late, (CONFIRMATION, EMAIL, PATIENT, 1), (OutboxStatus.EXPIRED, "not sent before it expired")),
    (breaks_its_worker_ten_times, (CONFIRMATION, EMAIL, PATIENT, 1),
     (OutboxStatus.DEAD, "set aside: broke its worker 10 times (crash or unexpected error)")),
    (moved_while_a_worker_held_it, (CONFIRMATION, EMAIL, PATIENT, 1),
     (OutboxStatus.CANCELLED, "superseded by a later change of the appointment")),
    (practitioner_notices_turned_off, ("practitioner_booked", EMAIL, PRACTITIONER, 1),
     (OutboxStatus.CANCELLED, "practice turned practitioner notices off")),
    (sms_turned_off_on_the_manage_page, (CONFIRMATION, SMS, PATIENT, 1), NO_SMS),
    (stop_while_a_worker_held_it, (CONFIRMATION, SMS, PATIENT, 1), NO_SMS),
    (email_reminders_off_while_a_worker_held_one, (REMINDER, EMAIL, PATIENT, 1),
     (OutboxStatus.CANCELLED, "no email_reminders consent")),
]


def sent_refs(channels) -> set[str]:
    return ({bare_message_id(m.message_id) for m in channels["email"].sent}
            | {m.client_ref for m in channels["sms"].sent})


@pytest.mark.parametrize(("situation", "message", "expected"), SITUATIONS, ids=[s[0].__name__ for s in SITUATIONS])
async def test_the_worker_records_why_a_message_did_not_go(any_database, settings, channels, clock, now,
                                                           situation, message, expected):
    await load_demo()
    await situation(clock, now)
    await drain_once(settings, channels, now=clock)
    kind, channel, audience, version = message
    row = await OutboxMessage.get(kind=kind, channel=channel, audience=audience, appointment_version=version)
    assert (row.status, row.last_error) == expected
    assert row.sent_at is None
    assert not {f"outbox-{row.id}", f"<outbox-{row.id}@rdv.example.fr>"} & sent_refs(channels)

"""A scripted bot against a live server (issue 10 item 4): with many addresses, random valid
mobile numbers (French and foreign) and SMS asked for every time, it tries to book every free
slot of a practitioner for two weeks. It books at most what the limits allow, and no SMS leaves
for a country the practice does not allow.

Loopback only, bounded in requests and time. The bot spoofs its client address with
X-Forwarded-For, which uvicorn trusts from 127.0.0.1 (a proxy in front would do the same for
real clients): 14 IPv4 addresses and addresses in 14 IPv6 /64s."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import httpx2

from notifier.channels.memory import MemoryChannel
from notifier.worker import drain_once
from portal.limits.sms import region_of
from portal.messaging.notices import NOTICE_KIND
from portal.models import Appointment, OutboxMessage, Practice, Practitioner
from portal.practice.models import DEFAULT_SMS_REGIONS
from tests.builders import OSTEO, OSTEO_SERVICE, consents, load_demo, patient
from tests.concurrency.server import live_server
from tests.notifier.conftest import make_settings

MAX_REQUESTS = 300
TIME_BOUND = 90  # seconds, for the whole run
PER_HOUR, PER_DAY = 10, 40  # the defaults


def addresses(rng: random.Random) -> list[str]:
    v4 = [f"198.51.100.{i}" for i in range(1, 15)]
    v6 = [f"2001:db8:{i:x}:1::{rng.randrange(1, 0xffff):x}" for i in range(1, 15)]
    return v4 + v6


def mobile(rng: random.Random) -> str:
    """A random valid mobile: half French, half from abroad (UK, US, Togo)."""
    pick = rng.randrange(6)
    if pick == 0:
        return f"+44 7400 {rng.randrange(100000, 999999)}"
    if pick == 1:
        return f"+1 202 555 {rng.randrange(1000, 1999)}"
    if pick == 2:
        return f"+228 90 {rng.randrange(100000, 999999)}"
    return f"06 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}"


async def run_bot(url: str, rng: random.Random) -> list[int]:
    statuses: list[int] = []
    ips = addresses(rng)
    async with httpx2.AsyncClient(base_url=url, timeout=10) as http:
        today = date.today()
        listing = await http.get(f"/api/v1/practitioners/{OSTEO}/slots", params={
            "service": OSTEO_SERVICE, "from": today.isoformat(), "to": (today + timedelta(days=13)).isoformat()})
        slots = [slot["start"] for slot in listing.json()["slots"]]
        assert len(slots) > 2 * PER_DAY, "the demo agenda should offer more than the limits allow"
        for i, start in enumerate(slots[:MAX_REQUESTS]):
            answer = await http.post("/api/v1/bookings", headers={"X-Forwarded-For": ips[i % len(ips)]}, json={
                "practitioner": OSTEO, "service": OSTEO_SERVICE, "start": start, "comment": "",
                "patient": patient(email=f"bot{i}@example.org", first_name=f"Bot{chr(65 + i % 26)}", phone=mobile(rng)),
                "consents": consents(sms_reminders=True)})
            statuses.append(answer.status_code)
    return statuses


def hour_windows(started: datetime, ended: datetime) -> int:
    return int(ended.timestamp() // 3600) - int(started.timestamp() // 3600) + 1


async def test_a_bot_books_at_most_the_limits_and_texts_no_stranger_abroad(any_database, tmp_path):
    await load_demo()
    practitioner = await Practitioner.get(slug=OSTEO)
    assert (practitioner.online_bookings_per_hour, practitioner.online_bookings_per_day) == (PER_HOUR, PER_DAY)
    started = datetime.now(UTC)
    with live_server(any_database, tmp_path, workers=2, BOOKING_RATE_LIMIT="20/hour", INLINE_WORKERS="false") as server:
        statuses = await asyncio.wait_for(run_bot(server.url, random.Random(1234)), timeout=TIME_BOUND)
    ended = datetime.now(UTC)
    seen = sorted(Counter(statuses).items())  # for the failure message
    booked = await Appointment.filter(practitioner_id=practitioner.id).count()
    assert statuses.count(201) == booked
    assert 0 < booked <= PER_HOUR * hour_windows(started, ended), seen  # 10, unless the run crossed an hour
    assert set(statuses) <= {201, 409, 422, 429}, statuses  # 409: a slot next to one just booked
    assert statuses.count(422) > 0  # foreign numbers asking for SMS were refused

    channels = {"email": MemoryChannel(), "sms": MemoryChannel()}
    for _ in range(5):  # the confirmations, then the practice's notice queued meanwhile
        await drain_once(make_settings(any_database, tmp_path), channels, now=lambda: datetime.now(UTC))
    allowed = set(DEFAULT_SMS_REGIONS.split(","))
    assert channels["sms"].sent, "the bookings made asked for SMS"
    assert {region_of(sms.to) for sms in channels["sms"].sent} <= allowed
    assert len(channels["sms"].sent) <= booked
    practice = await Practice.get(practitioners__slug=OSTEO)
    assert await OutboxMessage.filter(kind=NOTICE_KIND).count() >= 1  # the practice was told
    assert any(m.recipients == (practice.email,) for m in channels["email"].sent)


async def test_with_confirmation_on_the_bot_only_sends_codes_and_its_holds_are_released(any_database, tmp_path):
    from portal import context
    from portal.booking.confirm import HOLD, release_expired

    await load_demo()
    await Practice.all().update(confirm_online_bookings=True)
    with live_server(any_database, tmp_path, workers=2, BOOKING_RATE_LIMIT="20/hour", INLINE_WORKERS="false") as server:
        statuses = await asyncio.wait_for(run_bot(server.url, random.Random(99)), timeout=TIME_BOUND)
    held = await Appointment.filter(status="held").count()
    assert 0 < held == statuses.count(201) <= 2 * PER_HOUR, sorted(Counter(statuses).items())
    channels = {"email": MemoryChannel(), "sms": MemoryChannel()}
    await drain_once(make_settings(any_database, tmp_path), channels, now=lambda: datetime.now(UTC))
    sent = await OutboxMessage.filter(status="sent", appointment_id__not_isnull=True).values_list("kind", flat=True)
    assert set(sent) == {"verify"}  # no confirmation, no reminder, no practitioner notice: only the codes
    assert {region_of(sms.to) for sms in channels["sms"].sent} <= set(DEFAULT_SMS_REGIONS.split(","))
    # Nobody confirms: the holds end and the agenda is free again.
    later = datetime.now(UTC) + HOLD
    assert await release_expired(context.system("holds", now=later)) == held
    assert not await Appointment.filter(status="held").exists()

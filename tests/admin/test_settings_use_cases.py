"""The settings use cases on SQLite and PostgreSQL, with an administrator's context: each change
written with its audit event, scope checked."""

from __future__ import annotations

from datetime import date

import pytest

from notifier.admin import retry_message
from portal.access.staff import staff_ctx
from portal.audit.models import AuditEvent
from portal.errors import NotFound
from portal.messaging import log
from portal.messaging.config_check import queue_config_check
from portal.models import (
    AvailabilityException,
    OpeningHours,
    OutboxMessage,
    OutboxStatus,
    Practice,
    Practitioner,
    Service,
)
from portal.practice import hours, profiles, services, settings, time_off
from tests.access.helpers import add_staff
from tests.builders import load_demo


async def admin(now):
    user, _ = await add_staff(now)
    return await staff_ctx(user, now)


async def test_every_settings_use_case_writes_its_change_and_its_audit_event(any_database, now):
    await load_demo()
    ctx = await admin(now)
    await settings.update_settings(ctx, {"name": "Cabinet", "email": "accueil@cabinet.example", "locale": "fr",
                                         "timezone": "Europe/Paris", "holiday_region": "974",
                                         "cancellation_cutoff_hours": "12", "reminders_email": "48",
                                         "reminders_sms": "24", "notify_practitioner": ""})
    practice = await Practice.get()
    assert (practice.holiday_region, practice.reminder_policy, practice.notify_practitioner) == (
        "974", {"email": [48], "sms": [24]}, False)
    hugo = await Practitioner.get(slug="hugo-bernard")
    await hours.set_weekly_hours(ctx, hugo.id, {"open_0": "08:00-12:00, 13:00-17:00", "break_0": "10:00-10:15"})
    assert await OpeningHours.filter(practitioner_id=hugo.id).count() == 3
    added = await time_off.add_time_off(ctx, hugo.id, {"kind": "closed", "start_date": "2026-12-21",
                                                       "end_date": "2026-12-31", "label": "Noël"})
    assert added.inside == [] and (await AvailabilityException.get()).end_date == date(2026, 12, 31)
    service = await services.save_service(ctx, hugo.id, None, {"name": "Réglage", "duration_minutes": "20",
                                                               "buffer_before_minutes": "0", "buffer_after_minutes": "0",
                                                               "min_notice_minutes": "60", "horizon_days": "30",
                                                               "price": "35"})
    assert (await Service.get(id=service.id)).price_cents == 3500
    await profiles.update_profile(ctx, hugo.id, {"first_name": "Hugo", "last_name": "Bernard",
                                                 "profession": "Audioprothésiste", "bookable": "1"})
    await profiles.archive_practitioner(ctx, hugo.id)
    message_id = await queue_config_check(ctx, "email")
    await OutboxMessage.filter(id=message_id).update(status=OutboxStatus.FAILED)
    assert [row["id"] for row in (await log.message_log(ctx, status="failed")).rows] == [message_id]
    await retry_message(message_id, now, ctx=ctx)
    actions = set(await AuditEvent.all().values_list("action", flat=True))
    assert {"practice.settings", "practitioner.hours", "practitioner.time_off.add", "service.create",
            "practitioner.profile", "practitioner.archive", "message.config_check", "message.retry"} <= actions


async def test_a_practitioner_context_reaches_neither_a_colleague_nor_the_practice(any_database, now):
    await load_demo()
    user, _ = await add_staff(now, "camille@cabinet-des-lilas.example", "practitioner", practitioner="camille-martin")
    ctx = await staff_ctx(user, now)
    hugo = await Practitioner.get(slug="hugo-bernard")
    with pytest.raises(NotFound):
        await hours.set_weekly_hours(ctx, hugo.id, {"open_0": "08:00-12:00"})
    with pytest.raises(NotFound):
        await settings.update_settings(ctx, {"name": "x"})
    with pytest.raises(NotFound):
        await profiles.archive_practitioner(ctx, (await Practitioner.get(slug="camille-martin")).id)
    assert not await AuditEvent.filter(action__in=["practitioner.hours", "practice.settings"]).exists()

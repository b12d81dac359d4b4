"""Every reason the worker drops or holds back a message at send time, as a table over the pure
policy (notifier.policy.check and before_send): each row is a situation and the status and reason
recorded on the message. The last test reads the Skip(...) calls of notifier/policy.py, so a
reason added, removed or reworded there without its row here fails."""

import ast
import inspect
import re
from datetime import UTC, datetime, timedelta

import pytest

from notifier import policy
from portal.messaging.plan import CANCELLED, CONFIRMATION, EMAIL, MOVED, PATIENT, PRACTITIONER, REMINDER, SMS
from portal.models import OutboxStatus

NOW = datetime(2026, 11, 30, 8, tzinfo=UTC)
VISIT = NOW + timedelta(days=2)  # every message expires at the visit's start
GRANTED = {"email_reminders": True, "sms_reminders": True}
EXPIRED = (OutboxStatus.EXPIRED, "not sent before it expired")
NO_SMS = (OutboxStatus.CANCELLED, "no sms_reminders consent")
NO_EMAIL = (OutboxStatus.CANCELLED, "no email_reminders consent")
GONE_BY = (OutboxStatus.CANCELLED, "appointment cancelled")


def message(kind=CONFIRMATION, channel=EMAIL, audience=PATIENT, **changes) -> dict:
    return {"kind": kind, "channel": channel, "audience": audience, "appointment_version": 1,
            "expires_at": VISIT, "strikes": 0, **changes}


def appointment(**changes) -> dict:
    return {"version": 1, "status": "not_filled", "sms_reminder": True, "email_reminder": True, **changes}


CHECK = [  # message, appointment now, patient's ledger now, practice's notify_practitioner, outcome
    pytest.param(message(), appointment(), GRANTED, True, None, id="goes"),
    pytest.param(message(expires_at=NOW), appointment(), GRANTED, True, EXPIRED, id="expired"),
    pytest.param(message(strikes=policy.MAX_STRIKES), appointment(), GRANTED, True,
                 (OutboxStatus.DEAD, "set aside: broke its worker 10 times (crash or unexpected error)"), id="poison"),
    pytest.param(message(strikes=policy.MAX_STRIKES - 1), appointment(), GRANTED, True, None, id="nine-strikes-go"),
    pytest.param(message(), None, {}, True, (OutboxStatus.CANCELLED, "appointment no longer exists"), id="no-appointment"),
    pytest.param(message(), appointment(version=2), GRANTED, True,
                 (OutboxStatus.CANCELLED, "superseded by a later change of the appointment"), id="superseded"),
    pytest.param(message(), appointment(status="cancelled_by_patient"), GRANTED, True, GONE_BY, id="confirmation"),
    pytest.param(message(REMINDER, SMS), appointment(status="cancelled_by_practitioner"), GRANTED, True, GONE_BY,
                 id="reminder"),
    pytest.param(message(MOVED), appointment(status="cancelled_by_patient"), GRANTED, True, GONE_BY, id="moved"),
    pytest.param(message("practitioner_booked", audience=PRACTITIONER), appointment(status="cancelled_by_patient"),
                 GRANTED, True, GONE_BY, id="practitioner-booked"),
    pytest.param(message(CANCELLED), appointment(status="cancelled_by_patient"), GRANTED, True, None,
                 id="cancellation-notice-goes"),
    pytest.param(message(CANCELLED), appointment(), GRANTED, True,
                 (OutboxStatus.CANCELLED, "appointment no longer cancelled"), id="no-longer-cancelled"),
    pytest.param(message("practitioner_booked", audience=PRACTITIONER), appointment(), {}, False,
                 (OutboxStatus.CANCELLED, "practice turned practitioner notices off"), id="practitioner-notices-off"),
    pytest.param(message("practitioner_booked", audience=PRACTITIONER), appointment(sms_reminder=False), {}, True,
                 None, id="practitioner-needs-no-patient-consent"),
    # The practitioner's address now, as the worker passes it (`practitioner_email`, test-only key).
    pytest.param(message("practitioner_moved", audience=PRACTITIONER, practitioner_email=""), appointment(), {}, True,
                 (OutboxStatus.CANCELLED, "practitioner has no e-mail address"), id="practitioner-without-address"),
    pytest.param(message("practitioner_moved", audience=PRACTITIONER), appointment(status="cancelled_by_patient"),
                 GRANTED, True, GONE_BY, id="practitioner-moved"),
    pytest.param(message(channel=SMS), appointment(), {"sms_reminders": False}, True, NO_SMS, id="sms-withdrawn"),
    pytest.param(message(channel=SMS), appointment(sms_reminder=False), GRANTED, True, NO_SMS, id="sms-choice-off"),
    pytest.param(message(channel=SMS), appointment(), {}, True, NO_SMS, id="sms-never-granted"),
    pytest.param(message(REMINDER), appointment(), {"email_reminders": False}, True, NO_EMAIL, id="email-withdrawn"),
    pytest.param(message(REMINDER), appointment(email_reminder=False), GRANTED, True, NO_EMAIL,
                 id="email-choice-off"),
    pytest.param(message(), appointment(email_reminder=False), {}, True, None, id="transactional-email-goes"),
]


def outcome(skip: policy.Skip | None) -> tuple[str, str] | None:
    return None if skip is None else (skip.status, skip.reason)


@pytest.mark.parametrize(("row", "appointment_now", "consents", "notify_practitioner", "expected"), CHECK)
def test_check(row, appointment_now, consents, notify_practitioner, expected):
    email = row.pop("practitioner_email", None)
    assert outcome(policy.check(row, appointment_now, consents, notify_practitioner, NOW,
                                practitioner_email=email)) == expected


RESTRICTED = [  # the patient restricted processing (privacy centre): message, outcome
    pytest.param(message(), (OutboxStatus.CANCELLED, "patient restricted processing"), id="restricted-confirmation"),
    pytest.param(message(REMINDER, SMS), (OutboxStatus.CANCELLED, "patient restricted processing"),
                 id="restricted-reminder"),
    pytest.param(message("practitioner_booked", audience=PRACTITIONER), None, id="restricted-practice-still-told"),
]


@pytest.mark.parametrize(("row", "expected"), RESTRICTED)
def test_check_restricted(row, expected):
    assert outcome(policy.check(row, appointment(), GRANTED, True, NOW, restricted=True)) == expected


LINK = {"used_at": None}
PRIVACY = [  # a privacy-centre message: the row, its link now, outcome
    pytest.param(message("privacy_link"), LINK, None, id="privacy-link-goes"),
    pytest.param(message("privacy_link", expires_at=NOW), LINK, EXPIRED, id="privacy-link-expired"),
    pytest.param(message("contact_confirm"), None, (OutboxStatus.CANCELLED, "link no longer exists"),
                 id="privacy-link-deleted"),
    pytest.param(message("privacy_link"), {"used_at": NOW}, (OutboxStatus.CANCELLED, "link already used"),
                 id="privacy-link-used"),
]


@pytest.mark.parametrize(("row", "link", "expected"), PRIVACY)
def test_check_privacy(row, link, expected):
    assert outcome(policy.check_privacy(row, link, NOW)) == expected


INVITATION = [  # a staff invitation or a practice's test message: the row, its invitation now, outcome
    pytest.param(message("staff_invitation", audience="staff"), LINK, None, id="invitation-goes"),
    pytest.param(message("staff_invitation", audience="staff", expires_at=NOW), LINK, EXPIRED,
                 id="invitation-expired"),
    pytest.param(message("staff_invitation", audience="staff"), {"used_at": NOW},
                 (OutboxStatus.CANCELLED, "invitation no longer open"), id="invitation-used"),
    pytest.param(message("staff_invitation", audience="staff"), None,
                 (OutboxStatus.CANCELLED, "invitation no longer open"), id="invitation-deleted"),
]


@pytest.mark.parametrize(("row", "invitation", "expected"), INVITATION)
def test_check_invitation(row, invitation, expected):
    assert outcome(policy.check_invitation(row, invitation, NOW)) == expected


def test_check_config_check():
    test_message = message("config_check", audience="practice")
    assert policy.check_config_check(test_message, NOW) is None
    assert outcome(policy.check_config_check({**test_message, "expires_at": NOW}, NOW)) == EXPIRED


LEASE = NOW + timedelta(minutes=2)
BEFORE_SEND = [  # expires_at, lease_until, the channel's send timeout (s), outcome
    pytest.param(VISIT, LEASE, 30.0, None, id="goes"),
    pytest.param(NOW, LEASE, 30.0, EXPIRED, id="expired-while-waiting-for-a-slot"),
    pytest.param(VISIT, NOW + timedelta(seconds=29), 30.0,
                 (OutboxStatus.PENDING, "lease too short for one more send"), id="lease-too-short"),
]


@pytest.mark.parametrize(("expires_at", "lease_until", "timeout", "expected"), BEFORE_SEND)
def test_before_send(expires_at, lease_until, timeout, expected):
    assert outcome(policy.before_send(expires_at, lease_until, NOW, timeout)) == expected


SMS_CHECK = [  # the number's region, the practice's regions, SMS left today, outcome
    pytest.param("FR", "FR,GP,MQ,GF,RE,YT,PM,BL,MF", 3, None, id="france-goes"),
    pytest.param("RE", "FR,GP,MQ,GF,RE,YT,PM,BL,MF", None, None, id="reunion-goes"),
    pytest.param("GB", "FR,GP", 3, (OutboxStatus.CANCELLED,
                                    "not sent: number of region GB, outside the practice's SMS regions (FR,GP)"),
                 id="outside-the-regions"),
    pytest.param(None, "", 3, (OutboxStatus.CANCELLED,
                               "not sent: number of region unknown, outside the practice's SMS regions (none)"),
                 id="no-region-allowed"),
    pytest.param("FR", "FR", 0, (OutboxStatus.CANCELLED, "not sent: the practice's daily SMS budget is spent"),
                 id="budget-spent"),
]


@pytest.mark.parametrize(("region", "regions", "remaining", "expected"), SMS_CHECK)
def test_sms_check(region, regions, remaining, expected):
    assert outcome(policy.sms_check(region, regions, remaining)) == expected


def policy_skips() -> list[tuple[OutboxStatus, str]]:
    """(status, reason as a regular expression) of every Skip(...) written in notifier/policy.py."""
    found = []
    for node in ast.walk(ast.parse(inspect.getsource(policy))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Skip":
            status, reason = node.args  # Skip(OutboxStatus.X, "reason" or f"reason {value}")
            parts = reason.values if isinstance(reason, ast.JoinedStr) else [reason]
            pattern = "".join(re.escape(p.value) if isinstance(p, ast.Constant) else ".+" for p in parts)
            found.append((OutboxStatus[status.attr], pattern))
    return found


def test_every_reason_of_the_policy_has_a_row_and_every_row_a_reason():
    tabled = {p.values[-1] for p in CHECK + BEFORE_SEND + RESTRICTED + PRIVACY + INVITATION + SMS_CHECK
              if p.values[-1] is not None}
    skips = policy_skips()
    assert len(skips) >= 10
    for status, pattern in skips:
        assert any(s == status and re.fullmatch(pattern, r) for s, r in tabled), (status, pattern)
    for status, reason in tabled:
        assert any(s == status and re.fullmatch(p, reason) for s, p in skips), (status, reason)

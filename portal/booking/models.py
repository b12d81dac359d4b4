"""Appointments and idempotent request replays."""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class AppointmentStatus(StrEnum):
    """The practice's vocabulary for an appointment's state."""

    NOT_FILLED = "not_filled"  # default: nothing recorded yet
    # Booked online where the practice asks for a confirmation: the slot is held until the
    # patient confirms with the code sent to them, and released (cancelled) otherwise.
    HELD = "held"
    TO_CONFIRM = "to_confirm"
    CAME = "came"
    ABSENT = "absent"
    EXCUSED = "excused_absence"
    LATE = "late"
    CANCELLED_BY_PRACTITIONER = "cancelled_by_practitioner"
    CANCELLED_BY_PATIENT = "cancelled_by_patient"

    @property
    def is_cancelled(self) -> bool:
        return self in CANCELLED_STATUSES


CANCELLED_STATUSES = frozenset({AppointmentStatus.CANCELLED_BY_PRACTITIONER, AppointmentStatus.CANCELLED_BY_PATIENT})


class Appointment(Model):
    id = fields.IntField(primary_key=True)
    practice = fields.ForeignKeyField("portal.Practice", related_name="appointments", on_delete=fields.RESTRICT)
    practitioner = fields.ForeignKeyField("portal.Practitioner", related_name="appointments", on_delete=fields.RESTRICT)
    service = fields.ForeignKeyField("portal.Service", related_name="appointments", on_delete=fields.RESTRICT)
    patient = fields.ForeignKeyField("portal.Patient", related_name="appointments", on_delete=fields.RESTRICT)
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    # The start before the latest move: the practitioner's move notice says old and new time.
    previous_starts_at = fields.DatetimeField(null=True)
    # The span the practitioner is taken (with the service's buffers): what overlap is checked on.
    blocked_from = fields.DatetimeField()
    blocked_until = fields.DatetimeField()
    status = fields.CharEnumField(AppointmentStatus, max_length=32, default=AppointmentStatus.NOT_FILLED)
    sms_reminder = fields.BooleanField(default=False)
    email_reminder = fields.BooleanField(default=False)
    comment = fields.TextField(default="")
    # The mobile number typed for this booking (E.164): its SMS go there. A booking never
    # changes the patient's own number, which other bookings' messages may use.
    contact_phone = fields.CharField(max_length=20, default="")
    # A child's appointment (a service for children): the patient is the child, and the adult
    # who accompanies them, whose e-mail and mobile the booking used and who gave the consents,
    # is named here, for this visit (another adult may bring the child next time). NULL: the
    # patient came for themselves.
    guardian_first_name = fields.CharField(max_length=100, null=True)
    guardian_last_name = fields.CharField(max_length=100, null=True)
    source = fields.CharField(max_length=16, default="online")  # online, phone (taken by the practice)
    version = fields.IntField(default=1)
    locale = fields.CharField(max_length=8, default="fr")
    manage_token_hash = fields.CharField(max_length=64, unique=True)
    # The token sealed with a key derived from SECRET_KEY, for links in later messages (portal.links).
    manage_token_sealed = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    cancelled_at = fields.DatetimeField(null=True)
    # Why the practice cancelled, when it said (may hold health data: never in the audit trail).
    cancel_reason = fields.TextField(null=True)
    # While HELD: until when, the confirmation code sealed with the SECRET_KEY (portal.links) for
    # the worker to send, and the wrong codes tried (portal.booking.confirm).
    hold_until = fields.DatetimeField(null=True)
    confirm_code_sealed = fields.TextField(default="")
    confirm_attempts = fields.IntField(default=0)

    class Meta:
        table = "appointment"
        # (patient_id, starts_at): a patient's visit history and absence counts.
        indexes = (("practitioner_id", "blocked_from"), ("patient_id", "starts_at"))


class IdempotencyRecord(Model):
    """The first answer to a request carrying an Idempotency-Key, replayed on retries."""

    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=255, unique=True)
    request_sha256 = fields.CharField(max_length=64)
    status_code = fields.IntField()
    body = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_record"

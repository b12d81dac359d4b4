"""The `portal` tortoise app: every model of the core, each defined in its concept's package.

Tortoise loads an app from one module; this is it, and a short way to import any model."""

from portal.audit.models import AuditEvent
from portal.booking.models import CANCELLED_STATUSES, Appointment, AppointmentStatus, IdempotencyRecord
from portal.limits.models import ThrottleCounter
from portal.messaging.models import OutboxMessage, OutboxStatus
from portal.patients.models import ConsentRecord, Patient, PatientNote, PrivacyLink
from portal.periodic.models import PeriodicJob
from portal.practice.models import (
    AvailabilityException,
    BusyBlock,
    OpeningHours,
    Practice,
    Practitioner,
    PractitionerPhoto,
    Service,
)

# isort: split
# Last, and after the names above: importing portal.access.models runs portal/access/__init__.py,
# which imports those names back from this module.
from portal.access.models import (
    SignInFailure,
    StaffGrant,
    StaffInvitation,
    StaffPasskey,
    StaffSession,
    StaffUser,
    WebAuthnChallenge,
)

__all__ = [
    "AuditEvent",
    "CANCELLED_STATUSES",
    "Appointment",
    "AppointmentStatus",
    "AvailabilityException",
    "BusyBlock",
    "ConsentRecord",
    "IdempotencyRecord",
    "OpeningHours",
    "OutboxMessage",
    "OutboxStatus",
    "Patient",
    "PatientNote",
    "PeriodicJob",
    "Practice",
    "Practitioner",
    "PractitionerPhoto",
    "PrivacyLink",
    "Service",
    "SignInFailure",
    "StaffGrant",
    "StaffInvitation",
    "StaffPasskey",
    "StaffSession",
    "StaffUser",
    "ThrottleCounter",
    "WebAuthnChallenge",
]

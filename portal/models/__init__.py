"""All models of the `portal` tortoise app (one module per concept)."""

from portal.models.booking import (
    CANCELLED_STATUSES,
    Appointment,
    AppointmentStatus,
    ConsentRecord,
    IdempotencyRecord,
    Patient,
)
from portal.models.outbox import OutboxMessage, OutboxStatus
from portal.models.practice import (
    AvailabilityException,
    BusyBlock,
    OpeningHours,
    Practice,
    Practitioner,
    Service,
)

__all__ = [
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
    "Practice",
    "Practitioner",
    "Service",
]

"""A booking as its patient manages it (the manage token's pages and API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.models import CANCELLED_STATUSES, Appointment, Practice


@dataclass(frozen=True)
class ManagedBooking:
    appointment: Appointment
    practice: Practice
    practitioner_slug: str
    service_slug: str

    @property
    def cancelled(self) -> bool:
        return self.appointment.status in CANCELLED_STATUSES

    def cutoff(self) -> datetime:
        return self.appointment.starts_at - timedelta(hours=self.practice.cancellation_cutoff_hours)

    def changeable(self, now: datetime) -> bool:
        return not self.cancelled and now < self.cutoff()

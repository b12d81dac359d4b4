"""Two practices with booked appointments, and staff contexts of each role: the back-office's
use cases are called with contexts built here, as the /admin routes will build them.

Cabinet des Lilas (the demo): Camille Martin (osteopath) and Hugo Bernard (audiologist); the
Maison de santé Belleville: Léa Petit. Staff of the Lilas: an administrator (the practice), the
practitioner Camille (herself) and an assistant granted Camille's agenda."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from portal.booking.book import BookingRequest, book_appointment
from portal.context import Actor, ActorKind, Ctx, Scope
from portal.models import Appointment, Practitioner
from tests.builders import book, consents, load_demo, paris, patient, visitor
from tests.two_practices.conftest import LEA, load_second_practice

STAFF_IP = "198.51.100.9"


def staff(now: datetime, role: str, practice_id: int, practitioner_ids: set[int] | None = None,
          name: str = "7") -> Ctx:
    practitioners = frozenset(practitioner_ids) if practitioner_ids is not None else None
    return Ctx(Actor(ActorKind.STAFF, name, role), now, scope=Scope(frozenset({practice_id}), practitioners),
               channel="admin", ip=STAFF_IP)


@dataclass(frozen=True)
class World:
    """Ids of what the tests touch; one appointment (and patient) per practitioner."""

    now: datetime
    lilas: int
    belleville: int
    camille: int
    hugo: int
    lea: int
    camille_appointment: int
    hugo_appointment: int
    lea_appointment: int

    def admin(self, now: datetime | None = None) -> Ctx:
        return staff(now or self.now, "admin", self.lilas, name="1")

    def practitioner(self, now: datetime | None = None) -> Ctx:
        return staff(now or self.now, "practitioner", self.lilas, {self.camille}, name="2")

    def assistant(self, now: datetime | None = None) -> Ctx:
        return staff(now or self.now, "assistant", self.lilas, {self.camille}, name="3")

    def role(self, name: str, now: datetime | None = None) -> Ctx:
        return getattr(self, name)(now)

    async def patient_of(self, appointment_id: int) -> int:
        return (await Appointment.get(id=appointment_id)).patient_id


ROLES = ("admin", "practitioner", "assistant")


async def build_world(now: datetime) -> World:
    lilas, belleville = await load_demo(), await load_second_practice()
    ids = dict(await Practitioner.all().values_list("slug", "id"))
    camille = await book(paris(2026, 12, 1, 11), now, comment="Douleur lombaire")
    hugo = await book(paris(2026, 12, 1, 10), now, practitioner="hugo-bernard", service="consultation",
                      patient=patient(first_name="Marc", last_name="Roux", email="marc.roux@example.org",
                                      phone="07 81 22 33 44"))
    lea = await book_appointment(visitor(now), BookingRequest(
        practitioner=LEA, service="consultation", start=paris(2026, 12, 1, 9),
        patient=patient(first_name="Inès", last_name="Moreau", email="ines.moreau@example.org"),
        consents=consents()))
    return World(now, lilas.id, belleville.id, ids["camille-martin"], ids["hugo-bernard"], ids[LEA],
                 camille.appointment_id, hugo.appointment_id, lea.appointment_id)


@pytest.fixture
async def world(any_database, now) -> World:
    return await build_world(now)

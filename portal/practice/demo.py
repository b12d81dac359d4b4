"""A demo practice: an osteopath and an audiologist with realistic hours and services."""

from __future__ import annotations

from datetime import time

from tortoise.transactions import in_transaction

from portal.models import OpeningHours, Practice, Practitioner, Service
from portal.practice.models import to_minutes

DEMO_PRACTICE = "cabinet-des-lilas"

OSTEOPATH_HOURS = {  # weekday: [(opens, closes)], breaks are the gaps
    0: [(time(9), time(12, 30)), (time(14), time(19))],
    1: [(time(9), time(12, 30)), (time(14), time(19))],
    2: [(time(9), time(13))],
    3: [(time(9), time(12, 30)), (time(14), time(20))],
    4: [(time(8, 30), time(12, 30)), (time(14), time(18))],
    5: [(time(9), time(12))],
}
AUDIOLOGIST_HOURS = {
    0: [(time(9, 30), time(12)), (time(13, 30), time(18))],
    1: [(time(9, 30), time(12)), (time(13, 30), time(18))],
    3: [(time(9, 30), time(12)), (time(13, 30), time(18))],
    4: [(time(9, 30), time(12)), (time(13, 30), time(17))],
}


async def create_practitioner(
    practice: Practice, *, slug: str, first_name: str, last_name: str, profession: str,
    hours: dict, services: list[dict], conn=None, **extra,
) -> Practitioner:
    practitioner = await Practitioner.create(
        practice=practice, slug=slug, first_name=first_name, last_name=last_name,
        profession=profession, using_db=conn, **extra,
    )
    for day, spans in hours.items():  # (bulk_create cannot bind TimeField values on SQLite)
        for opens, closes in spans:
            await OpeningHours.create(
                practitioner_id=practitioner.id, weekday=day, starts=to_minutes(opens), ends=to_minutes(closes), using_db=conn
            )
    for position, service in enumerate(services):
        await Service.create(practitioner=practitioner, position=position, using_db=conn, **service)
    return practitioner


async def load_demo() -> Practice:
    async with in_transaction() as conn:
        practice = await Practice.create(
            slug=DEMO_PRACTICE, name="Cabinet des Lilas", address="12 rue des Lilas", postcode="75019", city="Paris",
            city_key="paris",
            phone="+33142000000", email="contact@cabinet-des-lilas.example", using_db=conn,
        )
        await create_practitioner(
            practice, slug="camille-martin", first_name="Camille", last_name="Martin",
            profession="Ostéopathe", adeli="759312345", email="camille.martin@cabinet-des-lilas.example",
            hours=OSTEOPATH_HOURS, conn=conn,
            services=[
                dict(slug="consultation-adulte", name="Consultation adulte", name_en="Adult consultation",
                     duration_minutes=45, buffer_after_minutes=15, price_cents=6000),
                dict(slug="consultation-enfant", name="Consultation enfant", name_en="Child consultation",
                     duration_minutes=30, buffer_after_minutes=15, price_cents=5000, audience="child"),
            ],
        )
        await create_practitioner(
            practice, slug="hugo-bernard", first_name="Hugo", last_name="Bernard",
            profession="Audioprothésiste", rpps="10101234567", email="hugo.bernard@cabinet-des-lilas.example",
            hours=AUDIOLOGIST_HOURS, conn=conn,
            services=[
                dict(slug="consultation", name="Consultation", name_en="Consultation", duration_minutes=30),
                dict(slug="test-audition", name="Test de l'audition", name_en="Hearing test",
                     duration_minutes=45, buffer_before_minutes=5, buffer_after_minutes=10),
            ],
        )
    return practice

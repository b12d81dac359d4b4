"""A practitioner's services (issue 14 item 4): created and edited with their duration, buffers,
minimum notice, horizon, price, whether patients book them online and whether patient messages
may name them (portal.practice.messages), who they are for
(adults, children with an accompanying adult, or both: portal.practice.models.AUDIENCES); archived (never deleted:
appointments keep their service). Each change audited in its own transaction."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotAllowed, NotFound
from portal.models import Practitioner, Service
from portal.patients.input import HIDDEN_CHARACTER, ascii_number, hidden_character
from portal.practice.models import AUDIENCES, check_service_times

FIELDS = ("name", "name_en", "duration_minutes", "buffer_before_minutes", "buffer_after_minutes",
          "min_notice_minutes", "horizon_days", "price", "bookable_online", "messages_name_service",
          "audience")
# (field, lowest, highest, message)
NUMBERS = (
    ("duration_minutes", 5, 480, "Une durée entre 5 et 480 minutes."),
    ("buffer_before_minutes", 0, 120, "Entre 0 et 120 minutes."),
    ("buffer_after_minutes", 0, 120, "Entre 0 et 120 minutes."),
    ("min_notice_minutes", 0, 60 * 24 * 30, "Entre 0 et 43200 minutes (30 jours)."),
    ("horizon_days", 1, 730, "Entre 1 et 730 jours."),
)
MAX_PRICE_CENTS = 100_000_00


def as_form(service: Service | None) -> dict[str, str]:
    if service is None:
        return {"name": "", "name_en": "", "duration_minutes": "30", "buffer_before_minutes": "0",
                "buffer_after_minutes": "0", "min_notice_minutes": "120", "horizon_days": "60", "price": "",
                "bookable_online": "1", "messages_name_service": "", "audience": "adult"}
    price = "" if service.price_cents is None else f"{service.price_cents / 100:.2f}".replace(".", ",")
    return {"name": service.name, "name_en": service.name_en, "duration_minutes": str(service.duration_minutes),
            "buffer_before_minutes": str(service.buffer_before_minutes),
            "buffer_after_minutes": str(service.buffer_after_minutes),
            "min_notice_minutes": str(service.min_notice_minutes), "horizon_days": str(service.horizon_days),
            "price": price.removesuffix(",00"), "bookable_online": "1" if service.bookable_online else "",
            "messages_name_service": "1" if service.messages_name_service else "",
            "audience": service.audience}


def validate(raw: Mapping[str, str]) -> dict:
    errors: dict[str, str] = {}
    values: dict = {}
    for name in ("name", "name_en"):
        value = " ".join(str(raw.get(name, "")).split())
        if name == "name" and not value:
            errors[name] = "Ce champ est obligatoire."
        elif len(value) > 120:
            errors[name] = "120 caractères au plus."
        elif hidden_character(value):
            errors[name] = HIDDEN_CHARACTER
        values[name] = value
    for name, low, high, message in NUMBERS:
        number = ascii_number(raw.get(name, ""), 6)
        if number is None or not low <= number <= high:
            errors[name] = message
        else:
            values[name] = number
    typed_price = str(raw.get("price", "")).strip().replace("€", "").replace(",", ".").strip()
    values["price_cents"] = None
    if typed_price:
        try:
            cents = Decimal(typed_price) * 100
        except InvalidOperation:
            cents = Decimal(-1)
        if cents != cents.to_integral_value() or not 0 <= cents <= MAX_PRICE_CENTS:
            errors["price"] = "Un prix en euros, par exemple 60 ou 45,50."
        else:
            values["price_cents"] = int(cents)
    values["bookable_online"] = bool(raw.get("bookable_online"))
    # Off unless ticked: patient messages name the service only then (portal.practice.messages).
    values["messages_name_service"] = bool(raw.get("messages_name_service"))
    audience = str(raw.get("audience", "")).strip() or "adult"
    if audience not in AUDIENCES:
        errors["audience"] = "Choisissez pour qui est cette prestation : adultes, enfants, ou les deux."
    values["audience"] = audience
    if not errors:
        try:
            check_service_times(values["duration_minutes"], values["buffer_before_minutes"],
                                values["buffer_after_minutes"])
        except ValueError:
            errors["duration_minutes"] = "La durée et les marges ensemble sont trop longues."
    if errors:
        raise FieldErrors(errors)
    return values


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:50] or "prestation"


async def practitioner_services(ctx: Ctx, practitioner_id: int) -> tuple[Practitioner, list[Service]]:
    access.require_agenda_owner(ctx)
    practitioner = await access.practitioner_by_id(ctx, practitioner_id)
    return practitioner, await Service.filter(practitioner_id=practitioner.id).order_by("position", "id")


async def service_of(ctx: Ctx, practitioner_id: int, service_id: int) -> tuple[Practitioner, Service]:
    practitioner, services = await practitioner_services(ctx, practitioner_id)
    found = next((service for service in services if service.id == service_id), None)
    if found is None:
        raise NotFound("Prestation introuvable.")
    return practitioner, found


async def save_service(ctx: Ctx, practitioner_id: int, service_id: int | None, raw: Mapping[str, str]) -> Service:
    """Creates (service_id None) or changes a service."""
    if service_id is None:
        practitioner, services = await practitioner_services(ctx, practitioner_id)
        existing = None
    else:
        practitioner, existing = await service_of(ctx, practitioner_id, service_id)
        services = []
    values = validate(raw)
    if existing is not None and existing.archived_at is not None:
        values["bookable_online"] = False

    async def transaction() -> Service:
        async with in_transaction() as conn:
            if existing is None:
                taken = {service.slug for service in services}
                slug, number = _slug(values["name"]), 2
                base = slug
                while slug in taken:
                    slug, number = f"{base}-{number}", number + 1
                service = Service(practitioner_id=practitioner.id, slug=slug, position=len(services), **values)
                await service.save(using_db=conn)
                action = "service.create"
            else:
                await Service.filter(id=existing.id).using_db(conn).update(**values)
                service, action = existing, "service.update"
            await record(conn, ctx, action, "service", service.id, practice_id=practitioner.practice_id,
                         practitioner_id=practitioner.id)
            return service

    return await retry_locked(transaction)


async def archive_service(ctx: Ctx, practitioner_id: int, service_id: int) -> None:
    practitioner, service = await service_of(ctx, practitioner_id, service_id)
    if service.archived_at is not None:
        raise NotAllowed("Cette prestation est déjà archivée.")

    async def transaction() -> None:
        async with in_transaction() as conn:
            await Service.filter(id=service.id).using_db(conn).update(archived_at=ctx.now, bookable_online=False)
            await record(conn, ctx, "service.archive", "service", service.id, practice_id=practitioner.practice_id,
                         practitioner_id=practitioner.id)

    await retry_locked(transaction)

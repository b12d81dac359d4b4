"""Public profile of one practitioner, read narrowly for the booking pages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from portal import access
from portal.context import Ctx
from portal.errors import NotFound
from portal.practice import photos
from portal.practice.models import postal_address
from portal.sql import fetch

_SERVICE_KEYS = ("slug", "name", "name_en", "duration_minutes", "price_cents", "audience")
_SERVICES_SQL = f"""SELECT {", ".join(_SERVICE_KEYS)} FROM service
WHERE practitioner_id = ? AND bookable_online ORDER BY position, id"""
_PHOTO_SQL = "SELECT digest FROM practitioner_photo WHERE practitioner_id = ?"


async def practitioner_profile(ctx: Ctx, slug: str) -> dict:
    rows = await access.bookable_practitioners(ctx, slug=slug).values(
        "id", "slug", "title", "first_name", "last_name", "profession", "bio", "languages",
        "practice__slug", "practice__name", "practice__address", "practice__postcode", "practice__city",
        "practice__phone", "practice__timezone",
        "practice__cancellation_cutoff_hours",
    )
    if not rows:
        raise NotFound("Praticien introuvable.")
    row = rows[0]
    # Plain SQL: the ORM's query building cost as much as the week's slot computation.
    services = [dict(zip(_SERVICE_KEYS, service, strict=True))
                for service in await fetch(_SERVICES_SQL, row["id"])]
    return {
        "slug": row["slug"],
        "name": " ".join(p for p in (row["title"], row["first_name"], row["last_name"]) if p),
        "profession": row["profession"],
        "bio": row["bio"],
        "languages": row["languages"] or [],
        "photo_url": next((photos.url(digest) for digest, in await fetch(_PHOTO_SQL, row["id"])), None),
        "practice": {
            "slug": row["practice__slug"], "name": row["practice__name"], "address": postal_address(
                row["practice__address"], row["practice__postcode"], row["practice__city"]),
            "phone": row["practice__phone"], "cutoff_hours": row["practice__cancellation_cutoff_hours"],
        },
        "tz": ZoneInfo(row["practice__timezone"]),
        "services": services,
    }


def find_service(profile: dict, slug: str | None) -> dict | None:
    return next((s for s in profile["services"] if s["slug"] == slug), None)

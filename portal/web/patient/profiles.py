"""Public profile of one practitioner, read narrowly for the booking pages."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from portal import access
from portal.context import Ctx
from portal.errors import NotFound
from portal.practice import photos
from portal.practice.models import is_slug, postal_address
from portal.sql import fetch

# Plain SQL, two statements: through the ORM, building the profile's query cost a third of the
# week page. The access rules are portal.access's own (bookable_where).
_PROFILE_SQL = """SELECT practitioner.id, practitioner.slug, practitioner.title, practitioner.first_name,
       practitioner.last_name, practitioner.profession, practitioner.bio, practitioner.languages,
       practice.slug, practice.name, practice.address, practice.postcode, practice.city, practice.phone,
       practice.timezone, practice.cancellation_cutoff_hours, practitioner_photo.digest
FROM practitioner
JOIN practice ON practice.id = practitioner.practice_id
LEFT JOIN practitioner_photo ON practitioner_photo.practitioner_id = practitioner.id
WHERE practitioner.slug = ? AND {bookable}"""
_SERVICE_KEYS = ("slug", "name", "name_en", "duration_minutes", "price_cents", "audience")
_SERVICES_SQL = f"""SELECT {", ".join(_SERVICE_KEYS)} FROM service
WHERE practitioner_id = ? AND bookable_online ORDER BY position, id"""


async def practitioner_profile(ctx: Ctx, slug: str) -> dict:
    bookable, params = access.bookable_where(ctx)
    rows = await fetch(_PROFILE_SQL.format(bookable=bookable), slug, *params) if is_slug(slug) else []
    if not rows:
        raise NotFound("Praticien introuvable.")
    (practitioner_id, slug, title, first_name, last_name, profession, bio, languages, practice_slug, practice_name,
     address, postcode, city, phone, timezone, cutoff_hours, photo_digest) = rows[0]
    services = [dict(zip(_SERVICE_KEYS, service, strict=True))
                for service in await fetch(_SERVICES_SQL, practitioner_id)]
    return {
        "slug": slug,
        "name": " ".join(p for p in (title, first_name, last_name) if p),
        "profession": profession,
        "bio": bio,
        # A JSON column comes back as text from plain SQL.
        "languages": (json.loads(languages) if isinstance(languages, str) else languages) or [],
        "photo_url": photos.url(photo_digest) if photo_digest else None,
        "practice": {
            "slug": practice_slug, "name": practice_name, "address": postal_address(address, postcode, city),
            "phone": phone, "cutoff_hours": cutoff_hours,
        },
        "tz": ZoneInfo(timezone),
        "services": services,
    }


def find_service(profile: dict, slug: str | None) -> dict | None:
    return next((s for s in profile["services"] if s["slug"] == slug), None)

"""Public profiles of practices, practitioners and services (read-only, narrow reads).

The practitioner list is paged by a cursor (keyset on last name, first name, id): a page reads
its own rows through the practitioner (last_name, first_name, id) index, however many
practitioners the deployment holds, where an offset would read and skip every earlier one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tortoise.expressions import Q, Subquery

from portal import access
from portal.context import Ctx
from portal.models import Service
from portal.patients.input import FieldErrors
from portal.practice import photos
from portal.practice.address import city_key
from portal.practice.models import is_slug, postal_address
from portal.web import cursors

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_TEXT = 100  # profession and city: longer is no one's
_POSTCODE = re.compile(r"\d{5}", re.ASCII)


@dataclass(frozen=True)
class Filters:
    practice: str | None = None
    profession: str | None = None
    service: str | None = None
    postcode: str | None = None
    city: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[dict]
    next: str | None
    photos: dict[str, str] = field(default_factory=dict)  # slug -> photo URL (pages only)


def parse_filters(params) -> Filters:
    """Filters from query parameters; a malformed one is a 422 naming it. An unknown slug is
    not malformed: it matches nothing."""
    errors = {}
    values = {name: (params.get(name) or "").strip() or None for name in Filters.__dataclass_fields__}
    if values["postcode"] is not None and not _POSTCODE.fullmatch(values["postcode"]):
        errors["postcode"] = "Indiquez un code postal à 5 chiffres."
    for name in ("profession", "city"):
        if values[name] is not None and len(values[name]) > MAX_TEXT:
            errors[name] = f"{MAX_TEXT} caractères au plus."
    if errors:
        raise FieldErrors(errors)
    return Filters(**values)


def parse_limit(raw: str | None) -> int:
    if not raw:  # absent or empty (`?limit=`): not given
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3) or not 1 <= int(raw) <= MAX_LIMIT:
        raise FieldErrors({"limit": f"Indiquez un nombre entre 1 et {MAX_LIMIT}."})
    return int(raw)


def encode_cursor(row: dict) -> str:
    return cursors.encode(row["last_name"], row["first_name"], row["id"])


def decode_cursor(raw: str | None) -> tuple[str, str, int] | None:
    if not raw:  # absent or empty (`?cursor=`): the first page
        return None
    key = cursors.decode(raw, texts=2)
    if key is None:
        raise FieldErrors({"cursor": "Curseur invalide : reprenez la liste depuis le début."})
    return key


def _filtered(ctx: Ctx, filters: Filters):
    if filters.practice is not None and not is_slug(filters.practice):
        return None
    if filters.service is not None and not is_slug(filters.service):
        return None
    query = access.bookable_practitioners(ctx, practice_slug=filters.practice)
    if filters.profession is not None:
        query = query.filter(profession=filters.profession)
    if filters.service is not None:
        offering = Service.filter(slug=filters.service, bookable_online=True).values("practitioner_id")
        query = query.filter(id__in=Subquery(offering))
    # On the practice's indexed columns (migration 0014): the postcode as typed, the city folded
    # (portal.practice.address.city_key: "saint etienne" finds "Saint-Étienne").
    if filters.postcode is not None:
        query = query.filter(practice__postcode=filters.postcode)
    if filters.city is not None:
        query = query.filter(practice__city_key=city_key(filters.city))
    return query


def _after(cursor: tuple[str, str, int]) -> Q:
    last, first, ident = cursor
    # (last_name, first_name, id) > cursor, with a plain lower bound the index range starts from.
    return Q(last_name__gte=last) & (
        Q(last_name__gt=last) | Q(first_name__gt=first) | Q(first_name=first, id__gt=ident))


async def practitioner_page(ctx: Ctx, filters: Filters = Filters(), *, limit: int = DEFAULT_LIMIT,
                            cursor: tuple[str, str, int] | None = None, with_photos: bool = False) -> Page:
    query = _filtered(ctx, filters)
    if query is None:
        return Page([], None)
    if cursor is not None:
        query = query.filter(_after(cursor))
    rows = await query.order_by("last_name", "first_name", "id").limit(limit + 1).values(
        "id", "slug", "title", "first_name", "last_name", "profession", "languages",
        "practice__slug", "practice__name", "practice__address", "practice__postcode", "practice__city",
        "practice__timezone",
    )
    more = len(rows) > limit
    rows = rows[:limit]
    found = await photos.photo_urls([row["id"] for row in rows]) if with_photos else {}
    return Page(await _with_services(rows), encode_cursor(rows[-1]) if more else None,
                {row["slug"]: found[row["id"]] for row in rows if row["id"] in found})


async def _with_services(rows: list[dict]) -> list[dict]:
    services = await Service.filter(
        practitioner_id__in=[row["id"] for row in rows], bookable_online=True
    ).order_by("position", "id").values("practitioner_id", "slug", "name", "name_en", "duration_minutes",
                                          "audience")
    by_practitioner: dict[int, list[dict]] = {}
    for service in services:
        by_practitioner.setdefault(service["practitioner_id"], []).append({
            "slug": service["slug"], "name": service["name"], "name_en": service["name_en"] or service["name"],
            "duration_minutes": service["duration_minutes"], "audience": service["audience"],
        })
    return [
        {
            "slug": row["slug"],
            "name": " ".join(p for p in (row["title"], row["first_name"], row["last_name"]) if p),
            "profession": row["profession"],
            "languages": row["languages"] or [],
            # One line as before the address had parts: the contract's shape is unchanged.
            "practice": {"slug": row["practice__slug"], "name": row["practice__name"],
                         "address": postal_address(row["practice__address"], row["practice__postcode"],
                                                   row["practice__city"]),
                         "timezone": row["practice__timezone"]},
            "services": by_practitioner.get(row["id"], []),
        }
        for row in rows
    ]

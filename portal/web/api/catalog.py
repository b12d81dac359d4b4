"""Public profiles of practices, practitioners and services (read-only, narrow reads)."""

from __future__ import annotations

from portal import access
from portal.context import Ctx
from portal.models import Service


async def public_practitioners(ctx: Ctx, practice_slug: str | None = None) -> list[dict]:
    query = access.bookable_practitioners(ctx, practice_slug=practice_slug or None)
    rows = await query.order_by("last_name", "first_name").values(
        "id", "slug", "title", "first_name", "last_name", "profession",
        "practice__slug", "practice__name", "practice__address", "practice__timezone",
    )
    services = await Service.filter(
        practitioner_id__in=[row["id"] for row in rows], bookable_online=True
    ).order_by("position", "id").values("practitioner_id", "slug", "name", "name_en", "duration_minutes")
    by_practitioner: dict[int, list[dict]] = {}
    for service in services:
        by_practitioner.setdefault(service["practitioner_id"], []).append({
            "slug": service["slug"], "name": service["name"], "name_en": service["name_en"] or service["name"],
            "duration_minutes": service["duration_minutes"],
        })
    return [
        {
            "slug": row["slug"],
            "name": " ".join(p for p in (row["title"], row["first_name"], row["last_name"]) if p),
            "profession": row["profession"],
            "practice": {"slug": row["practice__slug"], "name": row["practice__name"],
                         "address": row["practice__address"], "timezone": row["practice__timezone"]},
            "services": by_practitioner.get(row["id"], []),
        }
        for row in rows
    ]

"""Keeping patient.search_key true when names or contact details change by a bulk update (the
privacy centre's corrections): the key is recomputed from the stored row, in the same transaction."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.models import Patient
from portal.patients.search_key import search_key


async def refresh_search_keys(conn: BaseDBAsyncClient, patient_ids: list[int]) -> None:
    rows = await Patient.filter(id__in=patient_ids).using_db(conn).values(
        "id", "first_name", "last_name", "email", "phone")
    for row in rows:
        key = search_key(row["first_name"], row["last_name"], row["email"], row["phone"])
        await Patient.filter(id=row["id"]).using_db(conn).update(search_key=key)

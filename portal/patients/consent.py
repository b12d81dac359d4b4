"""Appending to the consent ledger."""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from portal.patients.consent_texts import ConsentText
from portal.models import ConsentRecord
from portal.sql import insert_many


async def record_consents(
    *, practice_id: int, patient_id: int, appointment_id: int | None, texts: list[ConsentText],
    now: datetime, channel: str, ip: str, conn: BaseDBAsyncClient,
) -> None:
    """Several consents given at once (a booking), in one insert."""
    rows = [consent_row(practice_id, patient_id, appointment_id, text, now, channel, ip) for text in texts]
    await insert_many(conn, "consent_record", CONSENT_COLUMNS, rows)


CONSENT_COLUMNS = ("practice_id", "patient_id", "appointment_id", "purpose", "granted", "text_version",
                   "text_sha256", "recorded_at", "channel", "ip")


def consent_row(practice_id, patient_id, appointment_id, text: ConsentText, now: datetime, channel: str,
                ip: str) -> dict:
    """A consent given, as the ledger's columns (the ids may be SQL of a single-statement booking)."""
    return dict(practice_id=practice_id, patient_id=patient_id, appointment_id=appointment_id,
                purpose=text.purpose, granted=True, text_version=text.version, text_sha256=text.sha256,
                recorded_at=now, channel=channel, ip=ip[:45])


async def record_consent(
    *,
    practice_id: int,
    patient_id: int,
    appointment_id: int | None,
    text: ConsentText,
    granted: bool,
    now: datetime,
    channel: str,
    ip: str,
    conn: BaseDBAsyncClient,
) -> ConsentRecord:
    return await ConsentRecord.create(
        practice_id=practice_id,
        patient_id=patient_id,
        appointment_id=appointment_id,
        purpose=text.purpose,
        granted=granted,
        text_version=text.version,
        text_sha256=text.sha256,
        recorded_at=now,
        channel=channel,
        ip=ip[:45],
        using_db=conn,
    )

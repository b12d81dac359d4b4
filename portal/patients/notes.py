"""Practitioners' private notes on their patients.

Read and written by the practice's staff within their scope (a practitioner sees the notes
written for their own agenda, an assistant those of the agendas granted, an administrator all
of the practice's); never shown on a patient's pages, in a feed or in a message. The audit
trail records who added a note, never its text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record as audit, record_read
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotFound
from portal.models import PatientNote

MAX_NOTE = 5000
MAX_LISTED = 200


@dataclass(frozen=True)
class Note:
    id: int
    practitioner_id: int
    author_staff_id: str
    text: str
    created_at: datetime


def clean_note(raw: object) -> str:
    text = raw.replace("\r\n", "\n").strip() if isinstance(raw, str) else ""
    if not text or len(text) > MAX_NOTE:
        raise FieldErrors({"text": f"Écrivez une note de 1 à {MAX_NOTE} caractères."})
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())


async def add_note(ctx: Ctx, patient_id: int, practitioner_id: int, text: object) -> Note:
    """A note for `practitioner_id`'s agenda (in the context's scope, of the patient's practice)."""
    access.require_staff(ctx)
    patient = await access.patient_by_id(ctx, patient_id)
    practitioner = await access.practitioner_by_id(ctx, practitioner_id)
    if practitioner.practice_id != patient.practice_id:
        raise NotFound("Praticien introuvable.")
    clean = clean_note(text)

    async def transaction() -> PatientNote:
        async with in_transaction() as conn:
            note = await PatientNote.create(practice_id=patient.practice_id, patient_id=patient.id,
                                            practitioner_id=practitioner.id, author_staff_id=ctx.actor.name[:64],
                                            text=clean, created_at=ctx.now, using_db=conn)
            await audit(conn, ctx, "patient_note.add", "patient_note", note.id, practice_id=patient.practice_id,
                        patient_id=patient.id, practitioner_id=practitioner.id)
        return note

    note = await retry_locked(transaction)
    return Note(note.id, practitioner.id, note.author_staff_id, note.text, note.created_at)


async def list_notes(ctx: Ctx, patient_id: int) -> list[Note]:
    """The notes the context may read, newest first (at most MAX_LISTED); the reading is
    audited (patient_note.list), as any staff read of patient data."""
    access.require_staff(ctx)
    patient = await access.patient_by_id(ctx, patient_id)
    notes = await notes_of(ctx, patient.id)
    await record_read(ctx, "patient_note.list", "patient", patient.id, practice_id=patient.practice_id,
                      patient_id=patient.id)
    return notes


async def notes_of(ctx: Ctx, patient_id: int) -> list[Note]:
    """For a patient already checked against the context, by a read that records its own event
    (a patient's page)."""
    query = access.scoped(ctx, PatientNote.filter(patient_id=patient_id), practitioner="practitioner_id")
    rows = await query.order_by("-created_at", "-id").limit(MAX_LISTED).values_list(
        "id", "practitioner_id", "author_staff_id", "text", "created_at")
    return [Note(*row) for row in rows]

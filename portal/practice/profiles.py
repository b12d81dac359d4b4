"""A practitioner's profile and archiving (issue 14 item 2): edited by the administrator or the
practitioner themselves, archived (never deleted: appointments and history stay) by the
administrator; each change audited in its own transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotAllowed
from portal.models import Practitioner
from portal.patients import phone
from portal.patients.input import HIDDEN_CHARACTER, clean_email, hidden_character
from portal.practice import languages

TEXT_FIELDS = {"title": 20, "first_name": 100, "last_name": 100, "profession": 100, "bio": 2000}
REQUIRED = ("first_name", "last_name", "profession")
FIELDS = (*TEXT_FIELDS, "rpps", "adeli", "email", "phone", "bookable")
MAX_LANGUAGES = len(languages.LANGUAGES)


def as_form(practitioner: Practitioner) -> dict[str, str]:
    return {"title": practitioner.title, "first_name": practitioner.first_name, "last_name": practitioner.last_name,
            "profession": practitioner.profession, "bio": practitioner.bio, "rpps": practitioner.rpps or "",
            "adeli": practitioner.adeli or "", "email": practitioner.email,
            "phone": phone.display(practitioner.phone) if practitioner.phone else "",
            "bookable": "1" if practitioner.bookable else "", "languages": list(practitioner.languages or [])}


def validate(raw: Mapping[str, str | Sequence[str]]) -> dict:
    """The profile's fields, checked; `languages` is a list of codes (a multiple choice)."""
    errors: dict[str, str] = {}
    values: dict = {}
    typed_languages = raw.get("languages") or []
    spoken = languages.clean([typed_languages] if isinstance(typed_languages, str) else typed_languages)
    if spoken is None:
        errors["languages"] = "Choisissez des langues de la liste."
    values["languages"] = spoken or []
    for name, limit in TEXT_FIELDS.items():
        text = str(raw.get(name, "")).strip()
        value = text if name == "bio" else " ".join(text.split())
        if name in REQUIRED and not value:
            errors[name] = "Ce champ est obligatoire."
        elif len(value) > limit:
            errors[name] = f"{limit} caractères au plus."
        elif name != "bio" and hidden_character(value):  # names patients read in pages and messages
            errors[name] = HIDDEN_CHARACTER
        values[name] = value
    for name, digits, label in (("rpps", 11, "Le numéro RPPS a 11 chiffres."), ("adeli", 9, "Le numéro ADELI a 9 chiffres.")):
        value = "".join(str(raw.get(name, "")).split())
        if value and not (value.isascii() and value.isdecimal() and len(value) == digits):
            errors[name] = label
        values[name] = value or None
    typed_email = str(raw.get("email", "")).strip()
    values["email"] = (clean_email(typed_email)[0] or "") if typed_email else ""
    if typed_email and not values["email"]:
        errors["email"] = "Cette adresse e-mail n'est pas valide."
    typed_phone = str(raw.get("phone", "")).strip()
    values["phone"] = (phone.e164(typed_phone[:40]) or "") if typed_phone else ""
    if typed_phone and not values["phone"]:
        errors["phone"] = "Ce numéro de téléphone n'est pas valide (par exemple 06 12 34 56 78)."
    values["bookable"] = bool(raw.get("bookable"))
    if errors:
        raise FieldErrors(errors)
    return values


async def editable(ctx: Ctx, practitioner_id: int) -> Practitioner:
    access.require_agenda_owner(ctx)
    return await access.practitioner_by_id(ctx, practitioner_id)


async def update_profile(ctx: Ctx, practitioner_id: int, raw: Mapping[str, str | Sequence[str]]) -> None:
    practitioner = await editable(ctx, practitioner_id)
    values = validate(raw)
    if practitioner.archived_at is not None:
        values["bookable"] = False  # an archived practitioner is never offered again

    async def transaction() -> None:
        async with in_transaction() as conn:
            await Practitioner.filter(id=practitioner.id).using_db(conn).update(**values)
            await record(conn, ctx, "practitioner.profile", "practitioner", practitioner.id,
                         practice_id=practitioner.practice_id, practitioner_id=practitioner.id)

    await retry_locked(transaction)


async def archive_practitioner(ctx: Ctx, practitioner_id: int) -> None:
    """Hidden from patients for good (not bookable); appointments, feeds and history stay."""
    access.require_admin(ctx)
    practitioner = await access.practitioner_by_id(ctx, practitioner_id)
    if practitioner.archived_at is not None:
        raise NotAllowed("Ce praticien est déjà archivé.")

    async def transaction() -> None:
        async with in_transaction() as conn:
            await Practitioner.filter(id=practitioner.id).using_db(conn).update(archived_at=ctx.now, bookable=False)
            await record(conn, ctx, "practitioner.archive", "practitioner", practitioner.id,
                         practice_id=practitioner.practice_id, practitioner_id=practitioner.id)

    await retry_locked(transaction)

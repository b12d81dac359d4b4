"""Creating a practitioner (issue 14): one use case for the back-office page "Ajouter un praticien"
and `creneau practitioner add`, and what a practitioner still misses before patients can book.

The profile is checked exactly as the profile page checks it (portal.practice.profiles.validate).
The slug (the address /p/{slug}) is derived from the name the way service slugs are
(Léa Dupré -> lea-dupre); slugs are unique in the whole deployment, so a taken one gets -2, -3…
A slug given explicitly (the CLI's argument) is taken as it is, or refused when taken.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import time
from functools import partial

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record
from portal.context import ActorKind, Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotFound
from portal.models import OpeningHours, Practice, Practitioner, Service
from portal.practice import profiles
from portal.practice.models import SLUG_MAX_LENGTH, is_slug, to_minutes

FIELDS = ("title", "first_name", "last_name", "profession", "rpps", "adeli", "email", "phone", "bookable")
EMPTY = {name: "" for name in FIELDS} | {"bookable": "1"}  # the new page's form: offered online once it can be
_SLUG_ATTEMPTS = 5  # a concurrent creation may take the derived slug between the check and the insert


def derive_slug(first_name: str, last_name: str) -> str:
    """Léa Dupré-Martin -> lea-dupre-martin: lower-case ASCII letters, digits and single hyphens,
    short enough for a -NN suffix to fit."""
    name = f"{first_name} {last_name}"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:SLUG_MAX_LENGTH - 4].strip("-")
    return slug or "praticien"


async def _free_slug(base: str) -> str:
    taken = set(await Practitioner.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _check_access(ctx: Ctx, practice: Practice) -> None:
    """The practice's administrator, for their own practice; or an operator at the shell."""
    if ctx.actor.kind is ActorKind.SYSTEM:
        return
    access.require_admin(ctx)
    if not ctx.scope.allows(practice.id):
        raise NotFound("Page introuvable.")


async def create_practitioner(ctx: Ctx, practice: Practice, fields: Mapping[str, str], *, slug: str | None = None,
                              hours: Mapping[int, list[tuple[time, time]]] | None = None,
                              services: list[dict] | None = None) -> Practitioner:
    """A new practitioner of `practice`, with its audit event, in one transaction: nothing is
    written when a field is refused (FieldErrors, one French message per field). `hours` and
    `services` (the CLI's --hours and --service, already checked) are written in the same
    transaction; the pages add them afterwards on their own pages."""
    _check_access(ctx, practice)
    values = profiles.validate(fields)
    if slug is not None and not is_slug(slug):
        raise FieldErrors({"slug": "Lettres minuscules, chiffres et tirets simples, 64 caractères au plus."})
    base = derive_slug(values["first_name"], values["last_name"])

    async def transaction(chosen: str) -> Practitioner:
        async with in_transaction() as conn:
            practitioner = await Practitioner.create(practice_id=practice.id, slug=chosen, using_db=conn, **values)
            rows = [(day, opens, closes) for day, spans in (hours or {}).items() for opens, closes in spans]
            for day, opens, closes in rows:  # (bulk_create cannot bind these on SQLite)
                await OpeningHours.create(practitioner_id=practitioner.id, weekday=day, starts=to_minutes(opens),
                                          ends=to_minutes(closes), using_db=conn)
            await record(conn, ctx, "practitioner.create", "practitioner", practitioner.id,
                         practice_id=practice.id, practitioner_id=practitioner.id)
            if rows:
                await record(conn, ctx, "practitioner.hours", "practitioner", practitioner.id,
                             practice_id=practice.id, practitioner_id=practitioner.id, count=len(rows))
            for position, service in enumerate(services or []):
                created = await Service.create(practitioner_id=practitioner.id, position=position, using_db=conn,
                                               **service)
                await record(conn, ctx, "service.create", "service", created.id, practice_id=practice.id,
                             practitioner_id=practitioner.id)
            return practitioner

    for _ in range(_SLUG_ATTEMPTS):
        if slug is not None and await Practitioner.filter(slug=slug).exists():
            raise FieldErrors({"slug": "Cette adresse est déjà prise par un autre praticien."})
        chosen = slug if slug is not None else await _free_slug(base)
        try:
            return await retry_locked(partial(transaction, chosen))
        except IntegrityError:  # taken meanwhile by a concurrent creation: look again
            if not await Practitioner.filter(slug=chosen).exists():
                raise
    raise FieldErrors({"last_name": "Réessayez : un autre praticien vient d'être ajouté sous ce nom."})


async def still_missing(practitioner: Practitioner) -> list[str]:
    """What keeps a practitioner away from patients, in the order to fix it: "archived",
    "not_bookable", "hours" (no weekly opening hours), "services" (no service offered online)."""
    if practitioner.archived_at is not None:
        return ["archived"]
    missing = [] if practitioner.bookable else ["not_bookable"]
    if not await OpeningHours.filter(practitioner_id=practitioner.id, kind="open").exists():
        missing.append("hours")
    if not await Service.filter(practitioner_id=practitioner.id, bookable_online=True, archived_at=None).exists():
        missing.append("services")
    return missing

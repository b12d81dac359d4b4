"""Access checks: every read or write of an appointment, patient, practitioner or message goes
through these helpers with the acting context, and anything outside its scope is "not found"
(never "forbidden": a stranger learns nothing of what exists). In the spirit of Zulip's
`access_*_by_id`."""

from __future__ import annotations

from typing import TypeVar

from tortoise.expressions import RawSQL, Subquery
from tortoise.queryset import QuerySet

from portal.booking.managed import ManagedBooking
from portal.context import ActorKind, Ctx
from portal.errors import NotFound
from portal.models import Appointment, Patient, Practice, Practitioner
from portal.practice.models import is_slug
from portal.tokens import token_hash

M = TypeVar("M")
MAX_TOKEN_LENGTH = 128
MAX_ID = 2**31 - 1  # integer primary keys: a larger number names nothing (and PostgreSQL refuses it)


def is_id(value: object) -> bool:
    return type(value) is int and 1 <= value <= MAX_ID


def scoped(ctx: Ctx, query: QuerySet[M], *, practice: str = "practice_id",
           practitioner: str | None = None, patient: str | None = None) -> QuerySet[M]:
    """`query` narrowed to what the context may touch: its practices and, where the rows belong
    to a practitioner or a patient (`practitioner`, `patient` name the field), its practitioners
    and (a privacy centre) its patients."""
    scope = ctx.scope
    if scope.practice_ids is not None:
        query = query.filter(**{f"{practice}__in": sorted(scope.practice_ids)})
    if practitioner is not None and scope.practitioner_ids is not None:
        query = query.filter(**{f"{practitioner}__in": sorted(scope.practitioner_ids)})
    if patient is not None and scope.patient_ids is not None:
        query = query.filter(**{f"{patient}__in": sorted(scope.patient_ids)})
    return query


async def booking_by_token(ctx: Ctx, token: str) -> ManagedBooking:
    """The booking a manage token opens (looked up by the token's hash: the token itself is
    never stored), with what its pages and use cases need."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound("Rendez-vous introuvable.")
    query = scoped(ctx, Appointment.filter(manage_token_hash=token_hash(token)), practitioner="practitioner_id",
                   patient="patient_id")
    appointment = await query.first().select_related("practice", "practitioner", "service", "patient")
    if appointment is None:
        raise NotFound("Rendez-vous introuvable.")
    return ManagedBooking(appointment, appointment.practice, appointment.practitioner.slug, appointment.service.slug)


async def appointment_by_id(ctx: Ctx, appointment_id: int) -> Appointment:
    if not is_id(appointment_id):
        raise NotFound("Rendez-vous introuvable.")
    found = await scoped(ctx, Appointment.filter(id=appointment_id), practitioner="practitioner_id",
                         patient="patient_id").first()
    if found is None:
        raise NotFound("Rendez-vous introuvable.")
    return found


async def patient_by_id(ctx: Ctx, patient_id: int) -> Patient:
    if not is_id(patient_id):
        raise NotFound("Patient introuvable.")
    found = await patients(ctx).filter(id=patient_id).first()
    if found is None:
        raise NotFound("Patient introuvable.")
    return found


def own_patients(ctx: Ctx) -> QuerySet[Patient]:
    """The patient records a privacy centre's context may touch (those its link opens)."""
    return patients(ctx)


def patients(ctx: Ctx) -> QuerySet[Patient]:
    """The patients the context may see: its practices' (a privacy centre: the records its link
    opens) and, for a scope limited to some practitioners (a practitioner, an assistant), those
    who booked with one of them."""
    query = scoped(ctx, Patient.all(), patient="id")
    if ctx.scope.practitioner_ids is not None:
        seen = scoped(ctx, Appointment.all(), practitioner="practitioner_id").values("patient_id")
        query = query.filter(id__in=Subquery(seen))
    return query


def require_staff(ctx: Ctx) -> None:
    """The back-office's use cases serve signed-in staff of a practice, nobody else: to anyone
    else (and to staff without a practice) they answer as if nothing existed."""
    if ctx.actor.kind is not ActorKind.STAFF or not ctx.scope.practice_ids:
        raise NotFound("Page introuvable.")


def require_admin(ctx: Ctx) -> None:
    """What only a practice's administrator may read (the audit trail)."""
    require_staff(ctx)
    if ctx.actor.role != "admin" or ctx.scope.practitioner_ids is not None:
        raise NotFound("Page introuvable.")


def require_agenda_owner(ctx: Ctx) -> None:
    """What changes where an agenda goes (its feeds, the calendars it imports): the practice's
    administrator, or a practitioner for their own agenda; an assistant only reads agendas."""
    require_staff(ctx)
    if ctx.actor.role not in ("admin", "practitioner"):
        raise NotFound("Page introuvable.")


async def practitioner_by_id(ctx: Ctx, practitioner_id: int) -> Practitioner:
    if not is_id(practitioner_id):
        raise NotFound("Praticien introuvable.")
    found = await scoped(ctx, Practitioner.filter(id=practitioner_id), practitioner="id").first()
    if found is None:
        raise NotFound("Praticien introuvable.")
    return found


def practitioners(ctx: Ctx) -> QuerySet[Practitioner]:
    """Every practitioner the context may see, bookable online or not."""
    return scoped(ctx, Practitioner.all(), practitioner="id")


def practices(ctx: Ctx, slug: str | None = None) -> QuerySet[Practice]:
    """The practices the context may see, or the one named by `slug` (none for a malformed slug)."""
    query = scoped(ctx, Practice.all(), practice="id")
    if slug is not None:
        query = query.filter(slug=slug) if is_slug(slug) else query.filter(id__in=[])
    return query


# One row's probe of an index: `(SELECT 1 … LIMIT 1) IS NOT NULL` stays a correlated subquery on
# both databases, read only for the rows a page walks through. (As `EXISTS (…) = true` or
# `id IN (subquery)`, PostgreSQL hashed, and SQLite built, the whole table for every page.)
_HOURS_PROBE = ('(SELECT 1 FROM opening_hours WHERE opening_hours.practitioner_id = "practitioner"."id" '
                "AND opening_hours.kind = 'open' LIMIT 1)")
_ONLINE_SERVICE_PROBE = ('(SELECT 1 FROM service WHERE service.practitioner_id = "practitioner"."id" '
                         "AND service.bookable_online LIMIT 1)")

def bookable_practitioners(ctx: Ctx, *, slug: str | None = None, practice_slug: str | None = None
                           ) -> QuerySet[Practitioner]:
    """Practitioners patients may book online, within the context's scope: marked bookable,
    with weekly hours and a service offered online (else patients would find no slot at all)."""
    query = scoped(ctx, Practitioner.filter(bookable=True, archived_at=None), practitioner="id")
    # A page of 20 probes the two indexes for the rows it walks through (with 10,000
    # practitioners the whole-table forms cost 10-16 ms on SQLite, 8 ms on PostgreSQL).
    query = query.annotate(hours_probe=RawSQL(_HOURS_PROBE), online_service_probe=RawSQL(_ONLINE_SERVICE_PROBE))
    query = query.filter(hours_probe__isnull=False, online_service_probe__isnull=False)
    if slug is not None:
        query = query.filter(slug=slug) if is_slug(slug) else query.filter(id__in=[])
    if practice_slug is not None:
        # By id through the (practice_id, last_name, first_name, id) index (migration 0017): a page
        # reads its own rows. Filtering on the joined practice's slug let SQLite scan and sort
        # every practitioner of the deployment (14 ms with 10,000).
        practice_ids = Subquery(Practice.filter(slug=practice_slug).values("id"))
        query = query.filter(practice_id__in=practice_ids) if is_slug(practice_slug) else query.filter(id__in=[])
    return query


def bookable_where(ctx: Ctx) -> tuple[str, list]:
    """bookable_practitioners' rules as a WHERE condition on the `practitioner` table, with its
    parameters, for a plain-SQL read on the hot path (the booking page's profile: through the
    ORM, building the query cost a third of the page). Same probes, same scope;
    tests/access/test_offered_practitioners.py checks both forms return the same rows."""
    conditions = ["practitioner.bookable", "practitioner.archived_at IS NULL",
                  f"{_HOURS_PROBE} IS NOT NULL", f"{_ONLINE_SERVICE_PROBE} IS NOT NULL"]
    params: list = []
    for column, ids in (("practice_id", ctx.scope.practice_ids), ("id", ctx.scope.practitioner_ids)):
        if ids is None:
            continue
        conditions.append(f"practitioner.{column} IN ({', '.join('?' for _ in ids)})" if ids else "1 = 0")
        params.extend(sorted(ids))
    return " AND ".join(conditions), params


async def administered_practice(ctx: Ctx) -> Practice:
    """The practice an administrator runs (one practice per account), for its settings pages."""
    require_admin(ctx)
    practice = await practices(ctx).order_by("id").first()
    if practice is None:
        raise NotFound("Page introuvable.")
    return practice

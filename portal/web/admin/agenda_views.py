"""The agenda page (/admin/agenda): a day or a week of the practitioners in the signed-in
member's scope, with appointments, busy blocks, time off, free slots, and the past visits whose
attendance is still "non renseigné". Works without JavaScript; admin-agenda.js refreshes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from portal.booking.agenda import AgendaAppointment, PractitionerDay, agenda
from portal.errors import NotFound
from portal.web import translate
from portal.web.admin.auth import require_staff
from portal.web.admin.forms import SOURCE_LABELS, STATUS_LABELS, parse_day, practice_tz, query_id
from portal.web.admin.pages import admin_page
from portal.web.patient.errors import N_, error_page

MAX_SLOTS_SHOWN = 12  # per practitioner and day: the phone booking page offers the rest


@dataclass
class Column:
    """One practitioner's day."""

    practitioner_id: int
    name: str
    tz: ZoneInfo
    appointments: list[AgendaAppointment] = field(default_factory=list)
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)
    time_off: list = field(default_factory=list)
    slots: list[datetime] = field(default_factory=list)
    more_slots: int = 0
    open_hours: list[tuple[datetime, datetime]] = field(default_factory=list)


def _local_day(value: datetime, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date()


def _column(view: PractitionerDay, day: date) -> Column:
    tz = view.tz
    start = datetime.combine(day, datetime.min.time(), tz)
    end = start + timedelta(days=1)
    slots = [slot.start for slot in view.free_slots if _local_day(slot.start, tz) == day]
    return Column(
        view.practitioner_id, view.name, tz,
        appointments=[a for a in view.appointments if _local_day(a.starts_at, tz) == day],
        busy=[(b.start, b.end) for b in view.busy if b.start < end and b.end > start],
        time_off=[e for e in view.exceptions if e.start_date <= day <= e.end_date],
        slots=slots[:MAX_SLOTS_SHOWN], more_slots=max(0, len(slots) - MAX_SLOTS_SHOWN),
        open_hours=[(i.start, i.end) for i in view.opening_hours if _local_day(i.start, tz) == day],
    )


async def agenda_page(request: Request) -> Response:
    ctx = await require_staff(request)
    params = request.query_params
    view = params.get("view") or "week"
    tz = await practice_tz(ctx)
    raw_day = params.get("date")
    day = parse_day(raw_day) if raw_day else ctx.now.astimezone(tz).date()
    if view not in ("day", "week") or day is None:
        message = N_("Choisissez un jour valide (AAAA-MM-JJ) et une vue « jour » ou « semaine ».")
        return error_page(request, 400, translate(message, ctx.locale), back_url="/admin/agenda")
    wanted = params.getlist("p")
    ids = [query_id(raw) for raw in wanted[:20]]
    if any(i is None for i in ids) or len(wanted) > 20:
        raise NotFound("Praticien introuvable.")
    first = day - timedelta(days=day.weekday()) if view == "week" else day
    days = 7 if view == "week" else 1
    found = await agenda(ctx, [i for i in ids if i is not None], first, days)
    step = timedelta(days=days)
    return admin_page(request, "admin/agenda.html", {
        "view": view, "first": first, "last": found.last, "tz": tz, "chosen": set(ids),
        "practitioners": [(p.practitioner_id, p.name) for p in found.practitioners],
        "days": [(first + timedelta(days=n), [_column(p, first + timedelta(days=n)) for p in found.practitioners])
                 for n in range(days)],
        "not_filled": found.not_filled, "names": {p.practitioner_id: p.name for p in found.practitioners},
        "previous": (first - step).isoformat(), "next": (first + step).isoformat(),
        "today": ctx.now.astimezone(tz).date(), "status_labels": STATUS_LABELS, "source_labels": SOURCE_LABELS,
    })

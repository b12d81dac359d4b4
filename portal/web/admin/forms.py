"""What the back-office's pages share: the posted form checked against CSRF, ids read from the
path (anything that is not an id is simply not found), field messages translated for the page,
and the practice's words for an appointment's status and source."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request

from portal import access
from portal.context import Ctx
from portal.errors import FieldErrors, NotFound
from portal.models import AppointmentStatus
from portal.web import csrf, translate
from portal.web.patient.errors import N_

MAX_FIELD = 5000

STATUS_LABELS = {
    AppointmentStatus.TO_CONFIRM: N_("À confirmer"),
    AppointmentStatus.CAME: N_("Venu"),
    AppointmentStatus.ABSENT: N_("Absent"),
    AppointmentStatus.EXCUSED: N_("Absent excusé"),
    AppointmentStatus.LATE: N_("En retard"),
    AppointmentStatus.NOT_FILLED: N_("Non renseigné"),
    AppointmentStatus.CANCELLED_BY_PRACTITIONER: N_("Annulé par le praticien"),
    AppointmentStatus.CANCELLED_BY_PATIENT: N_("Annulé par le patient"),
}
# What the attendance form offers: a cancellation goes through the cancel form.
ATTENDANCE_CHOICES = [status for status in STATUS_LABELS if not status.is_cancelled]
SOURCE_LABELS = {"online": N_("En ligne"), "phone": N_("Par téléphone"), "api": N_("Par l’API")}


class Fields(dict):
    """Field messages or typed values for a template: a missing name reads as empty."""

    def __missing__(self, key: str) -> str:
        return ""


async def posted_form(request: Request) -> FormData | None:
    """The form of a POST, or None when its CSRF token is missing, stale or cross-site."""
    form = await request.form()
    return form if csrf.valid(request, form.get(csrf.FIELD)) else None


def text(form: FormData, name: str, longest: int = MAX_FIELD) -> str:
    value = form.get(name)
    return value[:longest] if isinstance(value, str) else ""


def path_id(request: Request, name: str, what: str) -> int:
    raw = request.path_params[name]
    if not raw.isascii() or not raw.isdigit() or not access.is_id(int(raw)):
        raise NotFound(what)
    return int(raw)


def query_id(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and access.is_id(int(raw)) else None


def messages(exc: FieldErrors, locale: str) -> dict[str, str]:
    return {name: translate(message, locale) for name, message in exc.fields.items()}


def parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw and len(raw) == 10 else None
    except ValueError:
        return None


def local_start(day: str, hour: str, tz: ZoneInfo) -> datetime | None:
    """A date and a time typed in the practice's zone, as an aware instant (None when unreadable)."""
    when = parse_day(day)
    try:
        at = time.fromisoformat(hour) if hour and len(hour) <= 8 else None
    except ValueError:
        at = None
    return None if when is None or at is None else datetime.combine(when, at, tz)


async def practice_tz(ctx: Ctx, practice_id: int | None = None) -> ZoneInfo:
    """The zone pages show times in: the practice's (the first in scope when none is named)."""
    query = access.practices(ctx)
    if practice_id is not None:
        query = query.filter(id=practice_id)
    name = await query.order_by("id").first().values_list("timezone", flat=True)
    return ZoneInfo(name or "Europe/Paris")


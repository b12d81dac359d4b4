"""A practitioner's weekly hours and breaks, edited as a week grid (issue 14 item 3): each day's
opening ranges and breaks typed as "09:00-12:30, 14:00-19:00", checked (a reversed or
overlapping range is refused with a message naming it, a break must fall inside the hours) and
saved together, with the audit event in the same transaction."""

from __future__ import annotations

import re
from collections.abc import Mapping

from tortoise.transactions import in_transaction

from portal import access
from portal.audit.record import record
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors
from portal.models import OpeningHours, Practitioner

WEEKDAYS = ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche")
MAX_RANGES = 6  # per day and kind
# re.ASCII: \d would take the digits of every script ("٠٩:٠٠"), which int() reads as 9:00.
_RANGE = re.compile(r"^(\d{1,2})[:h](\d{2})?\s*(?:-|–|à|a)\s*(\d{1,2})[:h](\d{2})?$", re.ASCII)
Range = tuple[int, int]


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def as_text(ranges: list[Range]) -> str:
    return ", ".join(f"{_clock(start)}-{_clock(end)}" for start, end in sorted(ranges))


def parse_ranges(text: str) -> tuple[list[Range], str | None]:
    """The ranges of one field, sorted, or an error message."""
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    if len(parts) > MAX_RANGES:
        return [], f"{MAX_RANGES} plages au plus par jour."
    ranges: list[Range] = []
    for part in parts:
        found = _RANGE.match(part[:40].replace(" ", "")) or _RANGE.match(part[:40])
        if found is None:
            return [], f"« {part[:40]} » n'est pas une plage horaire : écrivez par exemple 09:00-12:30."
        start_h, start_m, end_h, end_m = (int(value or 0) for value in found.groups())
        if start_h > 23 or end_h > 24 or start_m > 59 or end_m > 59 or (end_h == 24 and end_m):
            return [], f"« {part[:40]} » n'est pas une heure valide."
        start, end = start_h * 60 + start_m, end_h * 60 + end_m
        if end <= start:
            return [], f"La plage {_clock(start)}-{_clock(end)} finit avant de commencer."
        ranges.append((start, end))
    ranges.sort()
    for (a_start, a_end), (b_start, b_end) in zip(ranges, ranges[1:], strict=False):
        if b_start < a_end:
            return [], (f"Les plages {_clock(a_start)}-{_clock(a_end)} et {_clock(b_start)}-{_clock(b_end)} "
                        "se chevauchent.")
    return ranges, None


def validate_week(raw: Mapping[str, str]) -> dict[int, tuple[list[Range], list[Range]]]:
    """Fields `open_<weekday>` and `break_<weekday>` (0 = Monday) to each day's (hours, breaks)."""
    errors: dict[str, str] = {}
    week: dict[int, tuple[list[Range], list[Range]]] = {}
    for day in range(7):
        hours, error = parse_ranges(str(raw.get(f"open_{day}", "")))
        if error:
            errors[f"open_{day}"] = error
        breaks, break_error = parse_ranges(str(raw.get(f"break_{day}", "")))
        if break_error:
            errors[f"break_{day}"] = break_error
        elif not error and any(not any(s <= b_start and b_end <= e for s, e in hours) for b_start, b_end in breaks):
            errors[f"break_{day}"] = "Une pause doit tomber pendant les horaires d'ouverture de ce jour."
        week[day] = (hours, breaks)
    if errors:
        raise FieldErrors(errors)
    return week


async def weekly_hours(ctx: Ctx, practitioner_id: int) -> tuple[Practitioner, dict[str, str]]:
    """The practitioner (in the context's scope, for someone who may change it) and the grid's fields."""
    access.require_agenda_owner(ctx)
    practitioner = await access.practitioner_by_id(ctx, practitioner_id)
    rows = await OpeningHours.filter(practitioner_id=practitioner.id).values_list("weekday", "kind", "starts", "ends")
    fields: dict[str, str] = {}
    for day in range(7):
        for kind, prefix in (("open", "open"), ("break", "break")):
            fields[f"{prefix}_{day}"] = as_text([(s, e) for d, k, s, e in rows if d == day and k == kind])
    return practitioner, fields


async def set_weekly_hours(ctx: Ctx, practitioner_id: int, raw: Mapping[str, str]) -> None:
    """Replaces the practitioner's whole week at once (a partial week never shows to patients)."""
    practitioner, _ = await weekly_hours(ctx, practitioner_id)
    week = validate_week(raw)
    rows = [(day, kind, start, end) for day, (hours, breaks) in week.items()
            for kind, ranges in (("open", hours), ("break", breaks)) for start, end in ranges]

    async def transaction() -> None:
        async with in_transaction() as conn:
            await OpeningHours.filter(practitioner_id=practitioner.id).using_db(conn).delete()
            for day, kind, start, end in rows:
                await OpeningHours.create(practitioner_id=practitioner.id, weekday=day, kind=kind, starts=start,
                                          ends=end, using_db=conn)
            await record(conn, ctx, "practitioner.hours", "practitioner", practitioner.id,
                         practice_id=practitioner.practice_id, practitioner_id=practitioner.id, count=len(rows))

    await retry_locked(transaction)

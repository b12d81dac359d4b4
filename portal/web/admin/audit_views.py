"""The audit trail for a practice's administrators (/admin/audit): who read or changed what and
when, filtered by action, actor, patient and dates, newest first, paginated by the use case's
cursor. Anyone else finds no such page (404)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from starlette.requests import Request
from starlette.responses import Response

from portal import access
from portal.audit.trail import AuditFilters, list_audit
from portal.errors import FieldErrors
from portal.web.admin.auth import require_staff
from portal.web.admin.forms import Fields, messages, parse_day, practice_tz, query_id
from portal.web.admin.pages import admin_page

FILTERS = ("action", "actor", "patient", "since", "until")


async def audit_page(request: Request) -> Response:
    ctx = await require_staff(request)
    access.require_admin(ctx)  # before reading any filter: others learn nothing of the page
    tz = await practice_tz(ctx)
    # The actor: a label ("staff:3", "system:worker") or a staff member's e-mail (up to 254).
    typed = {name: request.query_params.get(name, "")[:254 if name == "actor" else 64].strip() for name in FILTERS}
    errors: dict[str, str] = {}
    patient_id = query_id(typed["patient"])
    if typed["patient"] and patient_id is None:
        errors["patient"] = "Indiquez le numéro du patient (chiffres seulement)."
    days = {name: parse_day(typed[name]) for name in ("since", "until")}
    for name in ("since", "until"):
        if typed[name] and days[name] is None:
            errors[name] = "Indiquez une date au format AAAA-MM-JJ."
    raw_after = request.query_params.get("after")
    after = query_id(raw_after)
    if raw_after is not None and after is None:
        errors["after"] = "Cette page du journal n'existe pas."
    since, until = days["since"], days["until"]
    filters = AuditFilters(
        action=typed["action"] or None, actor=typed["actor"] or None, patient_id=patient_id,
        since=datetime.combine(since, time(), tz) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), tz) if until else None)
    page = None
    try:
        if errors:
            raise FieldErrors(errors)
        page = await list_audit(ctx, filters, cursor=after)
    except FieldErrors as exc:
        errors = messages(exc, ctx.locale)
    return admin_page(request, "admin/audit.html", {
        "typed": Fields(typed), "errors": Fields(errors), "page": page, "tz": tz, "after": after,
    }, status=400 if errors else 200)

"""The practice's patients: the search (/admin/patients, paginated by the use case's cursor) and
a patient's page (/admin/patients/{id}: identity, visits with attendance, absences, private
notes with a form to add one, and the correction of contact details). Opening a page and every
change are audited by the use cases."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import access
from portal.context import Ctx
from portal.errors import FieldErrors
from portal.patients.directory import correct_contact, patient_page, search
from portal.patients.notes import add_note
from portal.web.admin.auth import require_staff
from portal.web.admin.forms import (
    SOURCE_LABELS,
    STATUS_LABELS,
    Fields,
    messages,
    path_id,
    posted_form,
    practice_tz,
    query_id,
    text,
)
from portal.web.admin.pages import admin_page, form_expired
from portal.web.patient.errors import N_, error_page

DONE = {"note": N_("Note ajoutée."), "contact": N_("Coordonnées corrigées.")}


async def patients_page(request: Request) -> Response:
    ctx = await require_staff(request)
    query = request.query_params.get("q", "")[:100].strip()
    raw_after = request.query_params.get("after")
    after = query_id(raw_after)
    try:
        if raw_after is not None and after is None:
            raise FieldErrors({"cursor": "Cette page de résultats n'existe pas."})
        found = await search(ctx, query, cursor=after)
    except FieldErrors as exc:
        return error_page(request, 400, messages(exc, ctx.locale).popitem()[1])
    return admin_page(request, "admin/patients.html", {"query": query, "page": found, "after": after})


def _patient_id(request: Request) -> int:
    return path_id(request, "patient_id", "Patient introuvable.")


async def _names(ctx: Ctx) -> dict[int, str]:
    rows = await access.practitioners(ctx).order_by("last_name", "id").values_list("id", "title", "first_name",
                                                                                     "last_name")
    return {id_: " ".join(x for x in (title, first, last) if x) for id_, title, first, last in rows}


async def _page(request: Request, patient_id: int, *, errors: dict | None = None, form: dict | None = None,
                status: int = 200) -> Response:
    ctx = await require_staff(request)
    found = await patient_page(ctx, patient_id)
    typed = {"email": found.patient.email, "phone": found.patient.phone, **(form or {})}
    return admin_page(request, "admin/patient.html", {
        "p": found, "tz": await practice_tz(ctx), "names": await _names(ctx), "errors": Fields(errors or {}),
        "form": Fields(typed), "status_labels": STATUS_LABELS, "source_labels": SOURCE_LABELS,
        "done": DONE.get(request.query_params.get("done") or ""),
    }, status=status)


async def patient_detail(request: Request) -> Response:
    return await _page(request, _patient_id(request))


def _done(patient_id: int, what: str) -> Response:
    return RedirectResponse(f"/admin/patients/{patient_id}?done={what}#status", status_code=303)


async def note(request: Request) -> Response:
    ctx = await require_staff(request)
    patient_id = _patient_id(request)
    form = await posted_form(request)
    if form is None:
        return form_expired(request)
    await access.patient_by_id(ctx, patient_id)  # outside the scope: not found, whatever the form says
    written = text(form, "text", 6000)
    practitioner = query_id(text(form, "practitioner", 20))
    try:
        if practitioner is None:
            raise FieldErrors({"practitioner": "Choisissez le praticien de la note."})
        await add_note(ctx, patient_id, practitioner, written)
    except FieldErrors as exc:
        return await _page(request, patient_id, errors=messages(exc, ctx.locale),
                           form={"text": written, "practitioner": str(practitioner or "")}, status=422)
    return _done(patient_id, "note")


async def contact(request: Request) -> Response:
    ctx = await require_staff(request)
    patient_id = _patient_id(request)
    form = await posted_form(request)
    if form is None:
        return form_expired(request)
    typed = {"email": text(form, "email", 300), "phone": text(form, "phone", 40)}
    try:
        await correct_contact(ctx, patient_id, email=typed["email"], phone=typed["phone"])
    except FieldErrors as exc:
        return await _page(request, patient_id, errors=messages(exc, ctx.locale), form=typed, status=422)
    return _done(patient_id, "contact")

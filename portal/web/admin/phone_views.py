"""A booking taken on the phone (/admin/book): the practitioner and service, the start, a
returning patient found by a search or a new one, the reminder choices the patient said, and an
explicit "hors règles" for an urgent slot. `book_by_phone` does the rest (same rules, same
database guard, consents with channel "phone"); then the appointment's page opens."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import access
from portal.booking.book import clean_comment, parse_consents
from portal.booking.phone_booking import book_by_phone
from portal.context import Ctx
from portal.errors import FieldErrors, SlotTaken
from portal.models import Service
from portal.patients import consent_texts
from portal.patients.directory import picked, search
from portal.patients.input import validate_patient
from portal.web.admin.auth import require_staff
from portal.web.admin.forms import Fields, local_start, messages, posted_form, practice_tz, query_id, text
from portal.web.admin.pages import admin_page, form_expired

SEARCH_RESULTS = 10
NEW = "new"
PATIENT_FIELDS = ("civility", "first_name", "last_name", "email", "phone", "birth_date")
# A child's appointment: the new child, or the adult accompanying a returning one.
CHILD_FIELDS = ("child_first_name", "child_last_name", "child_birth_date")
GUARDIAN_FIELDS = ("guardian_first_name", "guardian_last_name")


async def _offers(ctx: Ctx) -> list[dict]:
    """Each practitioner in scope with their services: the choices of the first select."""
    practitioners = await access.practitioners(ctx).order_by("last_name", "id").values_list(
        "id", "title", "first_name", "last_name")
    services = await Service.filter(practitioner_id__in=[p[0] for p in practitioners]).order_by(
        "position", "id").values_list("practitioner_id", "slug", "name")
    return [{"id": id_, "name": " ".join(x for x in (title, first, last) if x),
             "services": [(slug, name) for pr, slug, name in services if pr == id_]}
            for id_, title, first, last in practitioners]


async def _page(request: Request, ctx: Ctx, typed: dict, *, errors: dict | None = None, problem: str | None = None,
                nearest: list | None = None, status: int = 200) -> Response:
    query = request.query_params.get("q", "")[:100].strip()
    found = (await search(ctx, query, limit=SEARCH_RESULTS)).patients if query else []
    chosen = query_id(typed.get("patient"))
    if chosen is not None and all(p.id != chosen for p in found):
        found = [await picked(ctx, chosen), *found]
    return admin_page(request, "admin/book.html", {
        "offers": await _offers(ctx), "query": query, "found": found, "typed": Fields(typed),
        "errors": Fields(errors or {}), "problem": problem, "nearest": nearest or [], "tz": await practice_tz(ctx),
    }, status=status)


async def book_form(request: Request) -> Response:
    ctx = await require_staff(request)
    params = request.query_params
    typed = {"patient": params.get("patient", ""), "date": params.get("date", "")[:10],
             "time": params.get("time", "")[:5]}  # reminders: only what the patient asks for, never pre-ticked
    practitioner = query_id(params.get("practitioner"))
    offers = await _offers(ctx)
    for offer in offers:
        if offer["id"] == practitioner and offer["services"]:
            typed["offer"] = f"{offer['id']}:{offer['services'][0][0]}"
    return await _page(request, ctx, typed)


def _typed(form: FormData) -> dict:
    typed = {name: text(form, name, 200) for name in ("offer", "date", "time", "patient", "locale", *PATIENT_FIELDS,
                                                      *CHILD_FIELDS, *GUARDIAN_FIELDS)}
    typed["comment"] = text(form, "comment", 2000)
    for box in ("privacy_notice", "email_reminders", "sms_reminders", "outside_rules"):
        typed[box] = "yes" if form.get(box) == "yes" else ""
    return typed


def _given(typed: dict, names: tuple[str, ...], prefix: str) -> dict | None:
    """The child's (or the accompanying adult's) fields, when any was filled in."""
    if not any(typed[name].strip() for name in names):
        return None
    return {name.removeprefix(prefix): typed[name] for name in names}


def _other_field_errors(ctx: Ctx, patient: object, consents: dict, comment: str, child: object = None,
                        ) -> dict[str, str]:
    """When the form is refused before the booking is tried, the rest is checked too, so that
    every field says what is wrong at once (book_by_phone checks the same again)."""
    found: dict[str, str] = {}
    checks = [lambda: parse_consents(consents), lambda: clean_comment(comment)]
    if isinstance(patient, dict):
        checks.append(lambda: validate_patient(patient, today=ctx.now.date(), for_sms=consents["sms_reminders"],
                                               birth_date=child is None))
    for check in checks:
        try:
            check()
        except FieldErrors as exc:
            found.update(exc.fields)
    return found


def _offer(raw: str) -> tuple[int, str] | None:
    practitioner, _, slug = raw.partition(":")
    found = query_id(practitioner)
    return (found, slug) if found is not None and slug else None


async def book(request: Request) -> Response:
    ctx = await require_staff(request)
    form = await posted_form(request)
    if form is None:
        return form_expired(request)
    typed = _typed(form)
    offer = _offer(typed["offer"])
    start = local_start(typed["date"], typed["time"], await practice_tz(ctx))
    errors: dict[str, str] = {}
    if offer is None:
        errors["offer"] = "Choisissez un praticien et une prestation."
    if start is None:
        errors["start"] = "Indiquez la date et l'heure du rendez-vous."
    patient: object = None
    if typed["patient"] == NEW:
        patient = {name: typed[name] for name in PATIENT_FIELDS}
    elif query_id(typed["patient"]) is not None:
        patient = query_id(typed["patient"])
    else:
        errors["patient"] = "Choisissez un patient ou saisissez ses coordonnées."
    consents = {"privacy_notice": consent_texts.PRIVACY_NOTICE_VERSION if typed["privacy_notice"] else None,
                "email_reminders": bool(typed["email_reminders"]), "sms_reminders": bool(typed["sms_reminders"])}
    child = _given(typed, CHILD_FIELDS, "child_") if typed["patient"] == NEW else None
    guardian = _given(typed, GUARDIAN_FIELDS, "guardian_") if typed["patient"] != NEW else None
    if errors:
        errors.update(_other_field_errors(ctx, patient, consents, typed["comment"], child))
    try:
        if errors or offer is None:
            raise FieldErrors(errors)
        result = await book_by_phone(ctx, offer[0], offer[1], start, patient=patient, consents=consents,
                                     comment=typed["comment"], outside_rules=bool(typed["outside_rules"]),
                                     locale=typed["locale"] or "fr", child=child, guardian=guardian,
                                     secret_key=str(request.app.state.settings.secret_key))
    except FieldErrors as exc:
        return await _page(request, ctx, typed, errors=messages(exc, ctx.locale), status=422)
    except SlotTaken as exc:
        return await _page(request, ctx, typed, problem=exc.template, nearest=exc.nearest, status=409)
    return RedirectResponse(f"/admin/appointments/{result.appointment_id}?done=booked#status", status_code=303)

"""An appointment as the practice opens it (/admin/appointments/{id}): its details, and the forms
that set the attendance, cancel it as the practice and move it (within the online rules or,
said explicitly, outside them). Each form posts, then comes back to the page with a status line;
a refused field re-renders the page with its message, nothing written."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal import access
from portal.booking.attendance import set_attendance
from portal.booking.details import appointment_details
from portal.booking.practice_side import cancel_by_practice, move_by_practice
from portal.errors import FieldErrors, SlotTaken
from portal.models import AppointmentStatus
from portal.web.admin.auth import require_staff
from portal.web.admin.forms import (
    ATTENDANCE_CHOICES,
    SOURCE_LABELS,
    STATUS_LABELS,
    Fields,
    local_start,
    messages,
    path_id,
    posted_form,
    practice_tz,
    text,
)
from portal.web.admin.pages import admin_page, form_expired
from portal.web.patient.errors import N_

DONE = {"booked": N_("Rendez-vous enregistré : le patient reçoit sa confirmation."),
        "attendance": N_("Présence enregistrée."), "cancel": N_("Rendez-vous annulé : le patient est prévenu."),
        "move": N_("Rendez-vous déplacé : le patient est prévenu.")}
PURPOSES = {"privacy_notice": N_("Politique de confidentialité"), "email_reminders": N_("Rappels par e-mail"),
            "sms_reminders": N_("Rappels par SMS")}
KINDS = {"confirmation": N_("Confirmation"), "reminder": N_("Rappel"), "moved": N_("Déplacement"),
         "cancelled": N_("Annulation"), "practitioner_booked": N_("Nouveau rendez-vous (praticien)"),
         "practitioner_cancelled": N_("Annulation (praticien)")}

STATES = {"pending": N_("à envoyer"), "sending": N_("en cours d’envoi"), "sent": N_("envoyé"),
          "delivered": N_("distribué"), "failed": N_("échec"), "dead": N_("échec après plusieurs essais"),
          "cancelled": N_("annulé"), "expired": N_("expiré")}
CHANNELS = {"email": N_("E-mail"), "sms": N_("SMS"), "phone": N_("Téléphone"), "web": N_("En ligne"),
            "api": N_("API"), "admin": N_("Espace cabinet")}


def _appointment_id(request: Request) -> int:
    return path_id(request, "appointment_id", "Rendez-vous introuvable.")


async def _page(request: Request, appointment_id: int, *, errors: dict | None = None, form: dict | None = None,
                problem: str | None = None, nearest: list | None = None, status: int = 200) -> Response:
    ctx = await require_staff(request)
    details = await appointment_details(ctx, appointment_id)
    practitioner = await access.practitioner_by_id(ctx, details.practitioner_id)
    tz = await practice_tz(ctx, details.practice_id)
    done = request.query_params.get("done")
    local = details.starts_at.astimezone(tz)  # the move form starts from the current date and time
    form = {"date": local.date().isoformat(), "time": local.strftime("%H:%M"), **(form or {})}
    return admin_page(request, "admin/appointment.html", {
        "a": details, "tz": tz, "practitioner": practitioner, "errors": Fields(errors or {}), "form": Fields(form or {}),
        "problem": problem, "nearest": nearest or [], "done": DONE.get(done or ""),
        "status_labels": STATUS_LABELS, "source_labels": SOURCE_LABELS, "choices": ATTENDANCE_CHOICES,
        "purposes": PURPOSES, "kinds": KINDS, "states": STATES, "channels": CHANNELS, "cancelled": details.status.is_cancelled,
        "started": details.starts_at <= ctx.now,
    }, status=status)


async def appointment_page(request: Request) -> Response:
    return await _page(request, _appointment_id(request))


def _done(appointment_id: int, what: str) -> Response:
    return RedirectResponse(f"/admin/appointments/{appointment_id}?done={what}#status", status_code=303)


async def attendance(request: Request) -> Response:
    ctx = await require_staff(request)
    appointment_id = _appointment_id(request)
    form = await posted_form(request)
    if form is None:
        return form_expired(request)
    wanted = text(form, "status", 40)
    if wanted not in {choice.value for choice in ATTENDANCE_CHOICES}:
        error = {"status": messages(FieldErrors({"status": "Choisissez un statut de la liste."}), ctx.locale)["status"]}
        return await _page(request, appointment_id, errors=error, status=422)
    await set_attendance(ctx, appointment_id, AppointmentStatus(wanted))
    return _done(appointment_id, "attendance")


async def _confirm_cancel(request: Request, appointment_id: int, *, by: str, reason: str) -> Response:
    ctx = await require_staff(request)
    details = await appointment_details(ctx, appointment_id)
    if details.status.is_cancelled:
        return await _page(request, appointment_id)
    practitioner = await access.practitioner_by_id(ctx, details.practitioner_id)
    return admin_page(request, "admin/appointment_cancel.html", {
        "a": details, "tz": await practice_tz(ctx, details.practice_id), "practitioner": practitioner,
        "by": "patient" if by == "patient" else "practice", "reason": reason})


async def cancel(request: Request) -> Response:
    ctx = await require_staff(request)
    appointment_id = _appointment_id(request)
    form = await posted_form(request)
    if form is None:
        return form_expired(request)
    reason = text(form, "reason")
    if form.get("confirmed") != "yes":  # the first press asks: the patient is told at once, for good
        return await _confirm_cancel(request, appointment_id, by=text(form, "by", 20), reason=reason)
    try:
        if form.get("by") == "patient":  # the patient called to cancel: their status, no reason kept
            await set_attendance(ctx, appointment_id, AppointmentStatus.CANCELLED_BY_PATIENT)
        else:
            await cancel_by_practice(ctx, appointment_id, reason)
    except FieldErrors as exc:
        return await _page(request, appointment_id, errors=messages(exc, ctx.locale), form={"reason": reason},
                           status=422)
    return _done(appointment_id, "cancel")


async def move(request: Request) -> Response:
    ctx = await require_staff(request)
    appointment_id = _appointment_id(request)
    form = await posted_form(request)
    if form is None:
        return form_expired(request)
    details = await access.appointment_by_id(ctx, appointment_id)
    typed = {"date": text(form, "date", 20), "time": text(form, "time", 20),
             "outside_rules": form.get("outside_rules") == "yes"}
    start = local_start(typed["date"], typed["time"], await practice_tz(ctx, details.practice_id))
    try:
        if start is None:
            raise FieldErrors({"start": "Indiquez la date et l'heure du nouveau rendez-vous."})
        await move_by_practice(ctx, appointment_id, start, outside_rules=typed["outside_rules"])
    except FieldErrors as exc:
        return await _page(request, appointment_id, errors=messages(exc, ctx.locale), form=typed, status=422)
    except SlotTaken as exc:
        return await _page(request, appointment_id, form=typed, problem=exc.template, nearest=exc.nearest,
                           status=409)
    return _done(appointment_id, "move")

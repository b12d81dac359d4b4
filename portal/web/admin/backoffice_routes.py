"""The back-office's working pages: the agenda, an appointment, a phone booking, the patients and
the audit trail (each `require_staff` first; the authorization matrix holds them to it)."""

from starlette.routing import Route

from portal.web.admin import agenda_views, appointment_views, audit_views, patient_views, phone_views

routes = [
    Route("/admin/agenda", agenda_views.agenda_page, methods=["GET"]),
    Route("/admin/book", phone_views.book_form, methods=["GET"]),
    Route("/admin/book", phone_views.book, methods=["POST"]),
    Route("/admin/appointments/{appointment_id}", appointment_views.appointment_page, methods=["GET"]),
    Route("/admin/appointments/{appointment_id}/attendance", appointment_views.attendance, methods=["POST"]),
    Route("/admin/appointments/{appointment_id}/cancel", appointment_views.cancel, methods=["POST"]),
    Route("/admin/appointments/{appointment_id}/move", appointment_views.move, methods=["POST"]),
    Route("/admin/audit", audit_views.audit_page, methods=["GET"]),
    Route("/admin/patients", patient_views.patients_page, methods=["GET"]),
    Route("/admin/patients/{patient_id}", patient_views.patient_detail, methods=["GET"]),
    Route("/admin/patients/{patient_id}/notes", patient_views.note, methods=["POST"]),
    Route("/admin/patients/{patient_id}/contact", patient_views.contact, methods=["POST"]),
]

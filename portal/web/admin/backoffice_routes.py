"""The back-office's working pages: the agenda, an appointment, a phone booking, the patients and
the audit trail (each `require_staff` first; the authorization matrix holds them to it)."""

from starlette.routing import Route

from portal.web.admin import agenda_views

routes = [
    Route("/admin/agenda", agenda_views.agenda_page, methods=["GET"]),
]

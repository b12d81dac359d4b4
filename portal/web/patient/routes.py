"""Routes of the patient pages (mounted by the app factory by module name)."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from portal.web.patient import booking_views, link_views, manage_views, practice_views

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

routes = [
    Route("/", practice_views.home),
    Route("/c/{practice}", practice_views.practice),
    Route("/privacy", practice_views.privacy),
    Route("/p/{slug}", booking_views.practitioner_page),
    Route("/p/{slug}/book", booking_views.book_form, methods=["GET"]),
    Route("/p/{slug}/book", booking_views.book_submit, methods=["POST"]),
    Route("/r/{code}", link_views.short_link),
    Route("/u/{code}", link_views.unsubscribe_page, methods=["GET"]),
    Route("/u/{code}", link_views.unsubscribe_submit, methods=["POST"]),
    Route("/b/{token}", manage_views.manage),
    Route("/b/{token}/calendar.ics", manage_views.calendar_file),
    Route("/b/{token}/confirm", manage_views.confirm_form, methods=["GET"]),
    Route("/b/{token}/confirm", manage_views.confirm, methods=["POST"]),
    Route("/b/{token}/cancel", manage_views.cancel_confirm, methods=["GET"]),
    Route("/b/{token}/cancel", manage_views.cancel, methods=["POST"]),
    Route("/b/{token}/move", manage_views.move, methods=["GET"]),
    Route("/b/{token}/move", manage_views.move_submit, methods=["POST"]),
    Route("/b/{token}/reminders", manage_views.reminders, methods=["POST"]),
    Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
]

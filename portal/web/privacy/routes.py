"""Routes of the privacy centre (mounted by the app factory)."""

from __future__ import annotations

from starlette.routing import Route

from portal.web.privacy import access_views, centre_views

routes = [
    Route("/privacy/access", access_views.access_form, methods=["GET"]),
    Route("/privacy/access", access_views.access_submit, methods=["POST"]),
    Route("/b/{token}/privacy", access_views.from_manage_page, methods=["POST"]),
    Route("/privacy/c/{token}", centre_views.centre_page, methods=["GET"]),
    Route("/privacy/c/{token}/open", centre_views.open_centre, methods=["POST"]),
    Route("/privacy/c/{token}/names", centre_views.names, methods=["POST"]),
    Route("/privacy/c/{token}/contact/{field}", centre_views.contact, methods=["POST"]),
    Route("/privacy/c/{token}/restriction", centre_views.restriction, methods=["POST"]),
    Route("/privacy/c/{token}/reminders", centre_views.reminders, methods=["POST"]),
    Route("/privacy/c/{token}/erase", centre_views.erase, methods=["POST"]),
    Route("/privacy/c/{token}/export.json", centre_views.export_json, methods=["GET"]),
    Route("/privacy/c/{token}/export.ics", centre_views.export_ics, methods=["GET"]),
    Route("/privacy/confirm/{token}", centre_views.confirm_page, methods=["GET"]),
    Route("/privacy/confirm/{token}", centre_views.confirm_submit, methods=["POST"]),
]

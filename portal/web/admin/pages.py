"""Rendering back-office pages: the shared Jinja2 environments, the navigation, no caching."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from portal.web.patient.errors import N_, error_page
from portal.web.patient.rendering import render

# The sections of the back-office, in the order of the menu: (path, label, roles or None for all,
# the paths the entry stands for). A practitioner's settings (profile, hours, time off, services,
# feeds, external calendars) start at their practitioner pages.
SETTINGS = "/admin/settings"
NAVIGATION: tuple[tuple[str, str, frozenset[str] | None, str], ...] = (
    ("/admin/agenda", N_("Agenda"), None, "/admin/agenda"),
    ("/admin/patients", N_("Patients"), None, "/admin/patients"),
    ("/admin/messages", N_("Messages"), None, "/admin/messages"),
    (SETTINGS, N_("Réglages"), frozenset({"admin"}), SETTINGS),
    (SETTINGS + "/practitioners", N_("Réglages"), frozenset({"practitioner"}), SETTINGS),
    ("/admin/audit", N_("Journal d'accès"), frozenset({"admin"}), "/admin/audit"),
)


def navigation(request: Request) -> list[dict]:
    staff = getattr(request.state, "staff", None)
    if staff is None:
        return []
    path = request.url.path
    return [{"path": link, "label": label, "current": path == section or path.startswith(section + "/")}
            for link, label, roles, section in NAVIGATION if roles is None or staff.role in roles]


def admin_page(request: Request, template: str, context: dict | None = None, *, status: int = 200) -> HTMLResponse:
    """A back-office page: never cached, never sent as a Referer, with the signed-in account
    and the menu (empty on the sign-in pages)."""
    values = {"staff": getattr(request.state, "staff", None), "navigation": navigation(request)}
    values.update(context or {})
    response = render(request, template, values, status=status)
    response.headers["cache-control"] = "no-store"
    response.headers["referrer-policy"] = "same-origin"
    return response


def form_expired(request: Request) -> Response:
    """A POST without a valid CSRF token: nothing was done."""
    response = error_page(request, 403, N_("Pour votre sécurité, ce formulaire a expiré. Rechargez la page et recommencez."))
    response.headers["cache-control"] = "no-store"
    return response

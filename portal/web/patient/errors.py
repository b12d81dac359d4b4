"""Error pages a patient understands: what happened and what to do, never a stack trace."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse

log = logging.getLogger("creneau")


def N_(message: str) -> str:
    """Marks a French source string for extraction; translated when rendered."""
    return message


_TITLES = {
    400: N_("Demande incomplète"),
    403: N_("Formulaire expiré"),
    404: N_("Page introuvable"),
    405: N_("Action impossible"),
    409: N_("Action impossible"),
    429: N_("Trop de demandes"),
    500: N_("Erreur du service"),
}


def error_page(request: Request, status: int, message: str, *, headers: dict | None = None,
               back_url: str | None = None, phone: str | None = None) -> HTMLResponse:
    """`phone`: the practice's number, offered as the other way to book (only when there is one)."""
    from portal.web.patient.rendering import render

    # A token in the URL (manage pages) must not leak from an error page either.
    token_page = request.url.path.startswith(("/b/", "/privacy/c/", "/privacy/confirm/"))
    try:
        return render(request, "portal/error.html", {
            "status": status, "title": _TITLES.get(status, "Erreur"), "message": message, "back_url": back_url,
            "phone": phone,
        }, status=status, token_page=token_page, headers=headers)
    except Exception:  # the error page itself must never fail into a trace
        log.exception("error page failed")
        return HTMLResponse(f"<!doctype html><title>{status}</title><p>{status}</p>", status_code=status)

"""Small helpers shared by routes: client address, locale, JSON errors."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from portal.i18n import negotiate, translations


def client_ip(request: Request) -> str:
    """The peer's address. Behind a proxy (TRUST_FORWARDED_FOR), uvicorn's proxy-headers
    handling has already put the client here, taking X-Forwarded-For from the right and only
    from proxies in FORWARDED_ALLOW_IPS; the leftmost entry is whatever the client claimed."""
    return request.client.host if request.client else ""


def request_locale(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get("lang")
    return negotiate(request.headers.get("accept-language"), wanted)


def translate(message: str, locale: str) -> str:
    return translations(locale).gettext(message)


def json_error(status: int, code: str, message: str, fields: dict | None = None, headers=None, **extra) -> JSONResponse:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    error.update(extra)
    return JSONResponse({"error": error}, status_code=status, headers=headers)

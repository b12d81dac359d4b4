"""CSRF protection for every form (patient pages and back-office): a signed double submit.

Each browser gets a random `csrf` cookie (HttpOnly, SameSite=Lax, Secure under https). Forms carry
that value signed with SECRET_KEY; a POST is accepted when the signature is valid, recent, and
matches the cookie. A cross-site page can neither read the cookie nor forge the signature.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "csrf"
FIELD = "csrf_token"
# Long enough for a patient who leaves the form open over lunch.
MAX_AGE_SECONDS = 12 * 3600


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(request.app.state.settings.secret_key), salt="creneau/csrf/v1")


def _browser_secret(request: Request) -> str:
    """This browser's random value, created on first need (and set as a cookie by `set_cookie`)."""
    secret = getattr(request.state, "csrf_secret", None)
    if secret is None:
        secret = request.cookies.get(COOKIE) or ""
        if not 20 <= len(secret) <= 100:
            secret = secrets.token_urlsafe(32)
            request.state.csrf_new = True
        request.state.csrf_secret = secret
    return secret


def token(request: Request) -> str:
    return _serializer(request).dumps(_browser_secret(request))


def set_cookie(request: Request, response: Response) -> None:
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(COOKIE, request.state.csrf_secret, httponly=True, samesite="lax",
                            secure=is_https(request), path="/")


def is_https(request: Request) -> bool:
    return request.app.state.settings.base_url.startswith("https://")


def valid(request: Request, form_token: object) -> bool:
    cookie = request.cookies.get(COOKIE)
    if not cookie or not isinstance(form_token, str) or len(form_token) > 300:
        return False
    try:
        signed = _serializer(request).loads(form_token, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed, cookie)

"""CSRF protection for every form (patient pages and back-office), without server-side sessions,
that also works in a third-party iframe.

Forms carry a random value signed with SECRET_KEY (12 hours). A POST is accepted when that
signature is valid and recent, and the request provably comes from Créneau's own pages:

- a browser that sends Fetch Metadata (every current one) says so itself: `Sec-Fetch-Site:
  same-origin` is accepted, anything else (`cross-site`, `same-site`, `none`) is refused whatever
  the cookies say. A form inside an iframe on the practice's site posts from Créneau's origin to
  Créneau's origin: same-origin, so embedding works with no third-party cookie at all;
- else an `Origin` header must be Créneau's own origin;
- else (an old browser that sends neither) the signed value must match this browser's `csrf`
  cookie (HttpOnly, SameSite=Lax, Secure under https): the classic signed double submit.

A cross-site page can read neither the cookie nor forge the signature, and a current browser
cannot hide where its post comes from. A `SameSite=None; Partitioned` cookie would also reach the
iframe, but only under https and only where the browser supports partitioned cookies (Safari
blocks third-party cookies outright), so it is not relied upon.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

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


def same_origin(request: Request) -> bool | None:
    """What the browser says about where a POST comes from: True (our own pages), False
    (anywhere else), None (it says nothing: an old browser or a script)."""
    site = request.headers.get("sec-fetch-site")
    if site:
        return site == "same-origin"
    origin = request.headers.get("origin")
    if origin:
        return origin in _own_origins(request)
    return None


def _own_origins(request: Request) -> set[str]:
    base = urlsplit(request.app.state.settings.base_url)
    return {f"{base.scheme}://{base.netloc}", f"{request.url.scheme}://{request.url.netloc}"}


def valid(request: Request, form_token: object) -> bool:
    if not isinstance(form_token, str) or len(form_token) > 300:
        return False
    try:
        signed = _serializer(request).loads(form_token, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return False
    if not isinstance(signed, str):
        return False
    verdict = same_origin(request)
    if verdict is not None:
        return verdict
    cookie = request.cookies.get(COOKIE)
    return bool(cookie) and hmac.compare_digest(signed, cookie)

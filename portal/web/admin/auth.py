"""Who is signed in to the back-office: the session cookie, and `require_staff`, the one check
every /admin route (except the sign-in pages) starts with.

The cookie holds a random token whose SHA-256 is the server-side session (portal.access.sessions);
it is HttpOnly, SameSite=Lax, Secure under https, and sent only under /admin.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.access.models import StaffUser
from portal.access.sessions import Lifetimes, Session, find_session
from portal.access.staff import staff_ctx
from portal.context import Ctx
from portal.web import request_ctx
from portal.web.csrf import is_https

COOKIE = "creneau_staff"
COOKIE_PATH = "/admin"
LOGIN_PATH = "/admin/login"
CODE_PATH = "/admin/login/code"
ENROL_PATH = "/admin/account/2fa"


class SignInRequired(Exception):
    """No live, fully signed-in session: the answer is a redirect to the sign-in page (to the
    second step when the password was given and the code is awaited)."""

    def __init__(self, *, pending: bool = False) -> None:
        super().__init__("sign-in required")
        self.pending = pending


class SecondFactorRequired(Exception):
    """The account must enrol a second factor before anything else."""


def lifetimes(request: Request) -> Lifetimes:
    settings = request.app.state.settings
    return Lifetimes(idle=timedelta(minutes=settings.admin_session_idle_minutes),
                     absolute=timedelta(hours=settings.admin_session_absolute_hours))


async def current_session(request: Request) -> Session | None:
    """This browser's live session (fully signed in or between the two factors), or None."""
    return await find_session(request.cookies.get(COOKIE), request_ctx(request).now, lifetimes(request))


async def require_staff(request: Request) -> Ctx:
    """The signed-in staff member's context (role and scope), or SignInRequired. Routes call it
    first; the authorization matrix test holds every /admin route to it."""
    cached = getattr(request.state, "staff_ctx", None)
    if cached is not None:
        return cached
    session = await current_session(request)
    if session is None or not session.row.verified:
        raise SignInRequired(pending=session is not None)
    user = session.user
    if user.totp_required and not user.has_totp and request.url.path != ENROL_PATH:
        raise SecondFactorRequired()
    visitor = request_ctx(request)
    ctx = await staff_ctx(user, visitor.now, visitor.ip, "admin", visitor.locale)
    request.state.staff = user
    request.state.staff_ctx = ctx
    request.state.ctx = ctx  # request_ctx(request) is the staff member's from now on
    return ctx


def signed_in_user(request: Request) -> StaffUser:
    """The account of a request that passed require_staff."""
    return request.state.staff


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    # No max-age: a browser session cookie; the server enforces the idle and absolute limits.
    response.set_cookie(COOKIE, token, path=COOKIE_PATH, httponly=True, samesite="lax", secure=is_https(request))


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=is_https(request))


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    if isinstance(exc, SignInRequired) and exc.pending:
        return RedirectResponse(CODE_PATH, status_code=303)
    expired = COOKIE in request.cookies  # a session this browser had has ended
    response = RedirectResponse(LOGIN_PATH + ("?done=expired" if expired else ""), status_code=303)
    response.headers["cache-control"] = "no-store"
    if expired:
        clear_session_cookie(request, response)
    return response


async def _second_factor_required(request: Request, exc: Exception) -> Response:
    return RedirectResponse(ENROL_PATH, status_code=303)


EXCEPTION_HANDLERS = {SignInRequired: _sign_in_required, SecondFactorRequired: _second_factor_required}

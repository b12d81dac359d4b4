"""The signed-in member's second factor: enrol a TOTP app (QR code drawn here, as inline SVG,
and the secret in text), confirm with a code, and read the recovery codes once."""

from __future__ import annotations

import segno
from cryptography.fernet import InvalidToken
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from portal.access import accounts, secrets as creds
from portal.access.models import StaffPasskey
from portal.web import csrf, request_ctx, translate
from portal.web.admin.auth import require_staff, signed_in_user
from portal.web.admin.pages import admin_page, form_expired
from portal.web.patient.errors import N_

ENROL_SECONDS = 15 * 60  # a pending secret in the form is good this long


def _secret_key(request: Request) -> str:
    return str(request.app.state.settings.secret_key)


def _seal(request: Request, user_id: int, secret: str) -> str:
    """The secret being enrolled travels in the form, sealed and bound to the account."""
    return creds.fernet(_secret_key(request)).encrypt(f"{user_id}:{secret}".encode()).decode()


def _unseal(request: Request, user_id: int, sealed: str) -> str | None:
    try:
        owner, _, secret = creds.fernet(_secret_key(request)).decrypt(sealed.encode(), ttl=ENROL_SECONDS
                                                                        ).decode().partition(":")
    except (InvalidToken, UnicodeError, ValueError):
        return None
    return secret if owner == str(user_id) and secret else None


def qr_svg(uri: str, title: str) -> Markup:
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=4, dark="#000", light="#fff", title=title)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


async def _account_page(request: Request, values: dict, status: int = 200) -> Response:
    user = signed_in_user(request)
    values.update(passkeys=await StaffPasskey.filter(staff_id=user.id).order_by("created_at"),
                  done=request.query_params.get("done"))
    return admin_page(request, "admin/account_2fa.html", values, status=status)


async def _enrol_page(request: Request, secret: str, *, error: str | None = None, status: int = 200) -> Response:
    user = signed_in_user(request)
    uri = creds.provisioning_uri(secret, user.email)
    return await _account_page(request, {
        "enrolled": False, "secret": secret, "sealed": _seal(request, user.id, secret), "error": error,
        "qr": qr_svg(uri, translate(N_("Code QR à scanner avec votre application d'authentification"),
                                    request_ctx(request).locale)),
    }, status=status)


async def second_factor(request: Request) -> Response:
    await require_staff(request)
    user = signed_in_user(request)
    if user.has_totp:
        return await _account_page(request, {"enrolled": True, "remaining": len(user.recovery_codes), "error": None})
    return await _enrol_page(request, creds.new_totp_secret())


async def enrol(request: Request) -> Response:
    ctx = await require_staff(request)
    form = await request.form()
    if not csrf.valid(request, form.get(csrf.FIELD)):
        return form_expired(request)
    user = signed_in_user(request)
    if user.has_totp:  # changing the device goes through a reset (creneau user reset-2fa)
        return await second_factor(request)
    secret = _unseal(request, user.id, str(form.get("sealed", ""))[:1000])
    if secret is None:
        return form_expired(request)
    codes = await accounts.enrol_totp(ctx, user, secret, str(form.get("code", ""))[:64], _secret_key(request))
    if codes is None:
        message = N_("Ce code ne correspond pas. Saisissez le code affiché maintenant par l'application.")
        return await _enrol_page(request, secret, error=message, status=422)
    return admin_page(request, "admin/recovery_codes.html", {"codes": codes})

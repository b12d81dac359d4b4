"""Passkeys (WebAuthn, the `webauthn` package): registering one on a signed-in account, and
signing in with it alone. User verification is required (the device's PIN or biometrics), so a
passkey is two factors in one, and bound to Créneau's origin: a phishing site cannot use it.

Each ceremony's challenge is issued by the server, stored hashed with its purpose, and accepted
once within CHALLENGE_LIFETIME.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

import webauthn
from tortoise.transactions import in_transaction
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from portal.access import signin
from portal.access.models import StaffPasskey, StaffUser, WebAuthnChallenge
from portal.audit.record import record
from portal.context import Ctx
from portal.tokens import token_hash

CHALLENGE_LIFETIME = timedelta(minutes=5)
MAX_PASSKEYS = 10
RP_NAME = "Créneau"


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys belong to: BASE_URL's host name, and its origin."""

    id: str
    origin: str


class PasskeyRefused(Exception):
    pass


async def _issue(challenge: bytes, purpose: str, ctx: Ctx, staff_id: int | None = None) -> None:
    await WebAuthnChallenge.filter(expires_at__lt=ctx.now).delete()
    await WebAuthnChallenge.create(challenge_hash=token_hash(bytes_to_base64url(challenge)), purpose=purpose,
                                   staff_id=staff_id, expires_at=ctx.now + CHALLENGE_LIFETIME)


async def _consume(credential: dict, purpose: str, ctx: Ctx, staff_id: int | None = None) -> bytes:
    """The challenge the browser signed, if this server issued it for this purpose (and account),
    not long ago, and never accepted it before; PasskeyRefused otherwise."""
    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        challenge = str(client_data["challenge"])
    except (KeyError, TypeError, ValueError):
        raise PasskeyRefused("malformed") from None
    deleted = await WebAuthnChallenge.filter(challenge_hash=token_hash(challenge), purpose=purpose, staff_id=staff_id,
                                             expires_at__gt=ctx.now).delete()
    if deleted != 1:
        raise PasskeyRefused("unknown challenge")
    return base64url_to_bytes(challenge)


async def registration_options(ctx: Ctx, user: StaffUser, rp: RelyingParty) -> str:
    existing = await StaffPasskey.filter(staff_id=user.id).values_list("credential_id", flat=True)
    options = webauthn.generate_registration_options(
        rp_id=rp.id, rp_name=RP_NAME, user_name=user.email, user_display_name=user.name or user.email,
        user_id=hashlib.sha256(f"creneau-staff:{user.id}".encode()).digest()[:16],
        authenticator_selection=AuthenticatorSelectionCriteria(resident_key=ResidentKeyRequirement.REQUIRED,
                                                               user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(one)) for one in existing],
    )
    await _issue(options.challenge, "register", ctx, user.id)
    return webauthn.options_to_json(options)


async def register(ctx: Ctx, user: StaffUser, credential: dict, rp: RelyingParty, name: str = "") -> StaffPasskey:
    challenge = await _consume(credential, "register", ctx, user.id)
    if await StaffPasskey.filter(staff_id=user.id).count() >= MAX_PASSKEYS:
        raise PasskeyRefused("too many passkeys")
    try:
        verified = webauthn.verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
            require_user_verification=True)
    except (InvalidRegistrationResponse, KeyError, TypeError, ValueError) as error:
        raise PasskeyRefused(str(error)) from None
    async with in_transaction() as conn:
        passkey = await StaffPasskey.create(
            staff_id=user.id, credential_id=bytes_to_base64url(verified.credential_id),
            public_key=bytes_to_base64url(verified.credential_public_key), sign_count=verified.sign_count,
            name=name[:60], created_at=ctx.now, using_db=conn)
        await record(conn, ctx, "staff.passkey_added", "staff", user.id, practice_id=user.practice_id)
    return passkey


async def authentication_options(ctx: Ctx, rp: RelyingParty) -> str:
    """No account named: the browser offers the passkeys it holds for this site."""
    options = webauthn.generate_authentication_options(rp_id=rp.id,
                                                       user_verification=UserVerificationRequirement.REQUIRED)
    await _issue(options.challenge, "sign_in", ctx)
    return webauthn.options_to_json(options)


async def authenticate(ctx: Ctx, credential: dict, rp: RelyingParty, secret_key: str) -> StaffUser:
    """The account whose passkey signed this server's challenge, or SignInRefused("invalid")."""
    raw_id = str(credential.get("rawId") or credential.get("id") or "")[:1400] if isinstance(credential, dict) else ""
    key = signin.account_key("passkey:" + raw_id, secret_key)
    await signin.check_throttle(ctx, key)
    passkey = await StaffPasskey.get_or_none(credential_id=raw_id).select_related("staff") if raw_id else None
    try:
        challenge = await _consume(credential, "sign_in", ctx)
        if passkey is None or passkey.staff.disabled:
            raise PasskeyRefused("unknown passkey")
        verified = webauthn.verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp.id, expected_origin=rp.origin,
            credential_public_key=base64url_to_bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count, require_user_verification=True)
    except (PasskeyRefused, InvalidAuthenticationResponse, KeyError, TypeError, ValueError):
        raise await signin.refuse(ctx, key, passkey.staff if passkey else None, source="passkey") from None
    await StaffPasskey.filter(id=passkey.id).update(sign_count=verified.new_sign_count, last_used_at=ctx.now)
    return passkey.staff

"""Inviting a staff member by e-mail (issue 14 item 9): the administrator names the address, the
role and the agendas; a single-use link that expires goes out through the outbox; following it,
the new member chooses a password and the account exists. Audited at both ends."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from portal import access
from portal.access import accounts
from portal.access.models import StaffInvitation, StaffRole, StaffUser
from portal.audit.record import record
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors, NotFound
from portal.links import seal_manage_token, unseal_manage_token
from portal.messaging.plan import EMAIL, STAFF_INVITATION
from portal.models import OutboxMessage, Practitioner
from portal.patients.input import clean_email
from portal.tokens import new_token, token_hash

LIFETIME = timedelta(days=3)
KIND, AUDIENCE = STAFF_INVITATION, "staff"
MIN_PASSWORD = 12
MAX_PASSWORD = 256
LOCALES = ("fr", "en")


def invitation_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/admin/invitation/{token}"


def unseal(invitation: dict, secret_key: str) -> str | None:
    """The token of an invitation row, for the worker's e-mail (sealed like a manage token)."""
    return unseal_manage_token(invitation["token_sealed"], secret_key)


async def invite(ctx: Ctx, email: str, role: str, practitioner_id: int | None, grants: Iterable[int],
                 secret_key: str, locale: str | None = None) -> StaffInvitation:
    """`locale`: the invitation e-mail's language (fr or en); the practice's own by default."""
    practice = await access.administered_practice(ctx)
    errors: dict[str, str] = {}
    locale = practice.locale if locale is None else locale
    if locale not in LOCALES:
        errors["locale"] = "Choisissez une langue de la liste."
    address = clean_email(email)[0] or ""
    if not address:
        errors["email"] = "Cette adresse e-mail n'est pas valide."
    elif await StaffUser.filter(email=address).exists():
        errors["email"] = "Un compte existe déjà pour cette adresse."
    if role not in set(StaffRole):
        errors["role"] = "Choisissez un rôle de la liste."
    ours = set(await access.practitioners(ctx).values_list("id", flat=True))
    if role == StaffRole.PRACTITIONER and practitioner_id not in ours:
        errors["practitioner"] = "Un compte praticien désigne son praticien."
    granted = sorted(set(grants))
    if set(granted) - ours:
        errors["grants"] = "Choisissez des praticiens du cabinet."
    if errors:
        raise FieldErrors(errors)
    token = new_token()

    async def transaction() -> StaffInvitation:
        async with in_transaction() as conn:
            message = await OutboxMessage.create(
                practice_id=practice.id, appointment_id=None, kind=KIND, channel=EMAIL, audience=AUDIENCE,
                dedupe_key=f"{KIND}:{token_hash(token)[:40]}", due_at=ctx.now, expires_at=ctx.now + LIFETIME,
                next_attempt_at=ctx.now, using_db=conn)
            invitation = await StaffInvitation.create(
                practice_id=practice.id, email=address, role=role,
                practitioner_id=practitioner_id if role == StaffRole.PRACTITIONER else None,
                grants=granted if role == StaffRole.ASSISTANT else [], token_hash=token_hash(token),
                token_sealed=seal_manage_token(token, secret_key), outbox_message_id=message.id, locale=locale,
                created_at=ctx.now, expires_at=ctx.now + LIFETIME, using_db=conn)
            await record(conn, ctx, "staff.invite", "staff_invitation", invitation.id, practice_id=practice.id,
                         status=role, message_id=message.id)
            return invitation

    return await retry_locked(transaction)


async def open_invitation(token: str, now: datetime) -> StaffInvitation:
    """The live invitation a link names, or "not found" (unknown, used or expired alike)."""
    if not token or len(token) > 128:
        raise NotFound("Cette invitation n'est plus valable.")
    found = await StaffInvitation.filter(token_hash=token_hash(token), used_at=None, expires_at__gt=now).first()
    if found is None:
        raise NotFound("Cette invitation n'est plus valable.")
    return found


async def accept(ctx: Ctx, token: str, password: str, confirmation: str) -> StaffUser:
    """Creates the account with the chosen password; the link works once."""
    invitation = await open_invitation(token, ctx.now)
    errors: dict[str, str] = {}
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        errors["password"] = f"Choisissez un mot de passe de {MIN_PASSWORD} caractères au moins."
    elif password != confirmation:
        errors["confirmation"] = "Les deux mots de passe ne sont pas identiques."
    if errors:
        raise FieldErrors(errors)
    practice = await invitation.practice
    linked = await Practitioner.filter(id=invitation.practitioner_id, practice_id=practice.id).first() \
        if invitation.practitioner_id else None
    grants = list(await Practitioner.filter(id__in=invitation.grants or [], practice_id=practice.id))

    async def transaction() -> StaffUser:
        # One transaction: the link is spent only with the account it made. The conditional
        # update is the guard between two accepts at once (the second finds nothing to mark:
        # PostgreSQL makes it wait for the first's row lock; SQLite serialises writers).
        async with in_transaction() as conn:
            used = await StaffInvitation.filter(id=invitation.id, used_at=None, expires_at__gt=ctx.now
                                                ).using_db(conn).update(used_at=ctx.now)
            if not used:
                raise NotFound("Cette invitation n'est plus valable.")
            return await accounts.create_user(conn, ctx, invitation.email, invitation.role, practice,
                                              practitioner=linked, password=password, grants=grants)

    try:
        return await retry_locked(transaction)
    except (accounts.AccountExists, IntegrityError):
        # An account made meanwhile for this address (by the CLI, or a concurrent accept that won
        # the unique index): nothing was written, the link still works once that is sorted out.
        raise FieldErrors({"password": "Un compte existe déjà pour cette adresse : connectez-vous, ou demandez "
                                       "à l'administrateur du cabinet de le retirer."}) from None

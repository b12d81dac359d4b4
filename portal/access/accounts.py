"""Creating and looking after staff accounts (CLI, the account page), each change audited."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal.access import secrets as creds
from portal.access.models import StaffGrant, StaffRole, StaffUser
from portal.access.sessions import close_all_sessions
from portal.access.signin import normalise_email
from portal.audit.record import record
from portal.context import Ctx
from portal.errors import DomainError, NotFound
from portal.models import Practice, Practitioner


class AccountError(DomainError):
    status = 422
    code = "invalid_account"


class AccountExists(AccountError):
    pass


async def add_user(ctx: Ctx, email: str, role: str, practice: Practice, *, practitioner: Practitioner | None = None,
                   name: str = "", password: str | None = None, grants: list[Practitioner] | None = None,
                   ) -> tuple[StaffUser, str]:
    """A new account and its password (generated unless given), to hand over once."""
    password = password or creds.generate_password()
    async with in_transaction() as conn:
        user = await create_user(conn, ctx, email, role, practice, practitioner=practitioner, name=name,
                                 password=password, grants=grants)
    return user, password


async def create_user(conn: BaseDBAsyncClient, ctx: Ctx, email: str, role: str, practice: Practice, *,
                      practitioner: Practitioner | None = None, name: str = "", password: str,
                      grants: list[Practitioner] | None = None) -> StaffUser:
    """The account's rows and audit event, inside the caller's transaction (an accepted
    invitation commits its own "used" mark with them, or neither)."""
    try:
        address = validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AccountError("Adresse e-mail invalide : %(email)s", email=email) from None
    if role not in set(StaffRole):
        raise AccountError("Rôle inconnu : %(role)s (admin, practitioner ou assistant)", role=role)
    if role == StaffRole.PRACTITIONER and practitioner is None:
        raise AccountError("Un compte praticien désigne son praticien (--practitioner).")
    for linked in [practitioner, *(grants or [])]:
        if linked is not None and linked.practice_id != practice.id:
            raise AccountError("Le praticien %(slug)s n'est pas de ce cabinet.", slug=linked.slug)
    if await StaffUser.filter(email=address).using_db(conn).exists():
        raise AccountExists("Un compte existe déjà pour %(email)s.", email=address)
    user = await StaffUser.create(
        email=address, name=name, role=role, practice_id=practice.id,
        practitioner_id=practitioner.id if practitioner and role == StaffRole.PRACTITIONER else None,
        password_hash=creds.hash_password(password), created_at=ctx.now, updated_at=ctx.now, using_db=conn)
    for granted in grants or []:
        await StaffGrant.create(staff_id=user.id, practitioner_id=granted.id, using_db=conn)
    await record(conn, ctx, "staff.create", "staff", user.id, practice_id=practice.id, status=role)
    return user


async def user_by_email(email: str) -> StaffUser:
    user = await StaffUser.get_or_none(email=normalise_email(email))
    if user is None:
        raise NotFound("Aucun compte pour %(email)s.", email=email)
    return user


async def _change(ctx: Ctx, user: StaffUser, action: str, **values: object) -> None:
    async with in_transaction() as conn:
        await StaffUser.filter(id=user.id).using_db(conn).update(updated_at=ctx.now, **values)
        await record(conn, ctx, action, "staff", user.id, practice_id=user.practice_id)
    await close_all_sessions(user)
    await user.refresh_from_db()


async def disable(ctx: Ctx, user: StaffUser) -> None:
    await _change(ctx, user, "staff.disable", disabled=True)


async def reset_password(ctx: Ctx, user: StaffUser) -> str:
    password = creds.generate_password()
    await _change(ctx, user, "staff.password_reset", password_hash=creds.hash_password(password))
    return password


async def reset_second_factor(ctx: Ctx, user: StaffUser) -> None:
    """Removes the TOTP secret and recovery codes: the next sign-in is by password alone, and
    leads to enrolment again when the account requires a second factor."""
    await _change(ctx, user, "staff.2fa_reset", totp_secret_sealed="", totp_last_step=0, recovery_codes=[])


async def enrol_totp(ctx: Ctx, user: StaffUser, secret: str, code: str, secret_key: str) -> list[str] | None:
    """Confirm enrolment with a code from the new secret. Returns the recovery codes (to show
    once), or None when the code does not match."""
    step = creds.totp_step(secret, code, ctx.now, 0)
    if step is None:
        return None
    codes = creds.new_recovery_codes()
    async with in_transaction() as conn:
        await StaffUser.filter(id=user.id).using_db(conn).update(
            totp_secret_sealed=creds.seal_totp_secret(secret, secret_key), totp_last_step=step,
            recovery_codes=[creds.recovery_code_hash(one) for one in codes], updated_at=ctx.now)
        await record(conn, ctx, "staff.2fa_enrolled", "staff", user.id, practice_id=user.practice_id)
    await user.refresh_from_db()
    return codes

"""`creneau user add|list|disable|reset-password|reset-2fa`: staff accounts from the shell, to
create the first administrator and to recover a locked-out one. A generated password is printed
once and stored only as its argon2id hash."""

from __future__ import annotations

import argparse
import sys

from portal import context
from portal.access import accounts
from portal.access.models import StaffRole, StaffUser
from portal.errors import DomainError
from portal.models import Practice, Practitioner
from portal.settings import Settings


def _cli_ctx():
    return context.system("cli")


async def _practice(slug: str | None) -> Practice:
    if slug:
        practice = await Practice.get_or_none(slug=slug)
        if practice is None:
            raise DomainError("no practice %(slug)s (creneau practice add)", slug=slug)
        return practice
    practices = await Practice.all().limit(2)
    if len(practices) != 1:
        raise DomainError("say which practice with --practice SLUG" if practices else
                          "no practice yet: creneau practice add (or creneau demo)")
    return practices[0]


async def _practitioner(slug: str, practice: Practice) -> Practitioner:
    found = await Practitioner.get_or_none(slug=slug, practice_id=practice.id)
    if found is None:
        raise DomainError("no practitioner %(slug)s in %(practice)s", slug=slug, practice=practice.slug)
    return found


def _fail(error: DomainError) -> int:
    print(f"creneau: {error.message}", file=sys.stderr)
    return 1


async def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    try:
        practice = await _practice(args.practice)
        practitioner = await _practitioner(args.practitioner, practice) if args.practitioner else None
        grants = [await _practitioner(slug, practice) for slug in args.grant or []]
        user, password = await accounts.add_user(_cli_ctx(), args.email, args.role, practice,
                                                 practitioner=practitioner, name=args.name, grants=grants)
    except DomainError as error:
        return _fail(error)
    if args.require_2fa:
        await StaffUser.filter(id=user.id).update(totp_required=True)
    print(f"{user.email} ({user.role}, {practice.slug}) created")
    print(f"password (shown once): {password}")
    print(f"sign in at {settings.base_url}/admin/login")
    return 0


async def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    users = await StaffUser.all().order_by("practice_id", "email").select_related("practice", "practitioner")
    for user in users:
        flags = [flag for flag, on in (("2fa", user.has_totp), ("2fa-required", user.totp_required),
                                       ("oidc", bool(user.oidc_subject)), ("disabled", user.disabled)) if on]
        practitioner = f" practitioner={user.practitioner.slug}" if user.practitioner else ""
        last = user.last_sign_in_at.strftime("%Y-%m-%d %H:%M UTC") if user.last_sign_in_at else "never"
        print(f"{user.email}\t{user.role}\t{user.practice.slug}{practitioner}\t{','.join(flags) or '-'}\tlast sign-in {last}")
    if not users:
        print("no staff account yet: creneau user add EMAIL --role admin")
    return 0


async def _with_user(args: argparse.Namespace, action) -> int:
    try:
        user = await accounts.user_by_email(args.email)
    except DomainError as error:
        return _fail(error)
    return await action(user)


async def cmd_disable(args: argparse.Namespace, settings: Settings) -> int:
    async def run(user: StaffUser) -> int:
        await accounts.disable(_cli_ctx(), user)
        print(f"{user.email} disabled; its sessions are ended")
        return 0
    return await _with_user(args, run)


async def cmd_reset_password(args: argparse.Namespace, settings: Settings) -> int:
    async def run(user: StaffUser) -> int:
        password = await accounts.reset_password(_cli_ctx(), user)
        print(f"new password for {user.email} (shown once): {password}")
        return 0
    return await _with_user(args, run)


async def cmd_reset_2fa(args: argparse.Namespace, settings: Settings) -> int:
    async def run(user: StaffUser) -> int:
        await accounts.reset_second_factor(_cli_ctx(), user)
        print(f"two-step verification removed for {user.email}; they enrol again at {settings.base_url}/admin/account/2fa")
        return 0
    return await _with_user(args, run)


def register(sub) -> None:
    user = sub.add_parser("user", help="manage back-office staff accounts").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="add a staff account (prints a generated password once)")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=[role.value for role in StaffRole])
    add.add_argument("--practice", help="practice slug (needed when there are several)")
    add.add_argument("--practitioner", help="the practitioner a practitioner account is (its slug)")
    add.add_argument("--grant", action="append", help="an assistant may see this practitioner's agenda (repeatable)")
    add.add_argument("--name", default="")
    add.add_argument("--require-2fa", action="store_true", help="must enrol a TOTP app at first sign-in")
    add.set_defaults(handler=cmd_add, needs_db=True)
    user.add_parser("list", help="list staff accounts").set_defaults(handler=cmd_list, needs_db=True)
    for name, handler, text in (("disable", cmd_disable, "disable an account and end its sessions"),
                                ("reset-password", cmd_reset_password, "set a new generated password (printed once)"),
                                ("reset-2fa", cmd_reset_2fa, "remove the TOTP app and recovery codes")):
        command = user.add_parser(name, help=text)
        command.add_argument("email")
        command.set_defaults(handler=handler, needs_db=True)

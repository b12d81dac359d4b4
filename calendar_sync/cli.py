"""`creneau feed …`, `creneau calendar …` and `creneau sync`: thin wrappers over the use cases."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from calendar_sync import calendars, tokens
from calendar_sync.fetch import make_client, masked
from calendar_sync.models import FeedLevel
from calendar_sync.sync import SyncPolicy, run_loop, sync_due
from calendar_sync.untrusted import printable
from portal import clock, context
from portal.errors import DomainError
from portal.patients.input import FieldErrors


def _reported(handler):
    """Domain errors become one line on stderr and exit status 1."""

    async def run(args: argparse.Namespace, settings) -> int:
        try:
            return await handler(args, settings)
        except DomainError as exc:
            print(f"creneau: {exc.message}", file=sys.stderr)
        except FieldErrors as exc:
            print(f"creneau: {exc}", file=sys.stderr)
        return 1

    return run


def _print_issued(issued: tokens.IssuedToken, base_url: str) -> None:
    http_url, webcal_url = issued.urls(base_url)
    print(f"feed token {issued.row.id} ({issued.row.level.value}) — shown once, keep it secret:")
    print(f"  {http_url}")
    print(f"  {webcal_url}")


@_reported
async def feed_create(args, settings) -> int:
    issued = await tokens.create_feed_token(context.system("cli"), args.practitioner, level=args.level,
                                            label=args.label)
    _print_issued(issued, settings.base_url)
    return 0


@_reported
async def feed_list(args, settings) -> int:
    for row in await tokens.list_feed_tokens(context.system("cli"), args.practitioner, include_revoked=args.all):
        state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M}" if row.revoked_at else "active"
        used = f"{row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never"
        print(f"{row.id}\t{row.practitioner.slug}\t{row.level.value}\t{state}\tlast used {used}\t{row.label}")
    return 0


@_reported
async def feed_rotate(args, settings) -> int:
    issued = await tokens.rotate_feed_token(context.system("cli"), args.token_id)
    print(f"feed token {args.token_id} revoked; replace the subscription with the new address.")
    _print_issued(issued, settings.base_url)
    return 0


@_reported
async def feed_revoke(args, settings) -> int:
    await tokens.revoke_feed_token(context.system("cli"), args.token_id)
    print(f"feed token {args.token_id} revoked: its address now answers 404.")
    return 0


@_reported
async def calendar_add(args, settings) -> int:
    row = await calendars.add_calendar(args.practitioner, args.url, now=clock.utcnow(), label=args.label,
                                       allow_internal=_allow_internal(args, settings))
    print(f"calendar {row.id} added ({masked(row.url)}); imported at the next sync.")
    return 0


@_reported
async def calendar_list(args, settings) -> int:
    for row in await calendars.list_calendars(args.practitioner):
        if row.stale:
            state = (f"STALE since {row.last_error_at:%Y-%m-%d %H:%M} ({row.failures} failures): "
                     f"{printable(row.last_error)}")
        elif row.last_success_at:
            state = f"ok {row.last_success_at:%Y-%m-%d %H:%M}, {row.blocks} busy blocks"
        else:
            state = "not synced yet"
        print(f"{row.id}\t{row.practitioner.slug}\t{masked(row.url)}\t{printable(row.label, 120)}\t{state}")
    return 0


@_reported
async def calendar_remove(args, settings) -> int:
    blocks = await calendars.remove_calendar(args.calendar_id)
    print(f"calendar {args.calendar_id} removed with its {blocks} busy blocks.")
    return 0


async def sync_command(args, settings) -> int:
    if args.once:
        # By hand, every source now (backoff or not): the operator wants to see the result.
        ids = [row.id for row in await calendars.list_calendars()]
        async with make_client(allow_internal=_allow_internal(args, settings)) as client:
            outcomes = await sync_due(client, clock.utcnow, SyncPolicy(), only_ids=ids)
        for outcome in sorted(outcomes, key=lambda o: o.calendar_id):
            print(f"calendar {outcome.calendar_id}: {outcome.status}, {outcome.blocks} busy blocks"
                  + (f" — {printable(outcome.error)}" if outcome.error else ""))
        return 1 if any(o.status == "failed" for o in outcomes) else 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await run_loop(settings, stop, allow_internal=_allow_internal(args, settings))
    return 0


def _allow_internal(args, settings) -> bool:
    """Loopback, private and link-local calendar addresses: only when the operator says so."""
    return bool(args.allow_internal or getattr(settings, "calendar_allow_internal", False))


_INTERNAL_HELP = ("allow calendar addresses on loopback, private or link-local networks (refused by default: "
                  "a calendar address must not reach the server's own network); also CALENDAR_ALLOW_INTERNAL=true")


def register(subparsers) -> None:
    feed = subparsers.add_parser("feed", help="private iCal feeds of practitioners' agendas")
    actions = feed.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a feed token and print its URLs")
    create.add_argument("practitioner", help="practitioner slug")
    create.add_argument("--level", choices=[level.value for level in FeedLevel], default=FeedLevel.BUSY.value,
                        help="busy: 'Rendez-vous' only (default); initials: initials and service; "
                             "full: name, service, phone and comment")
    create.add_argument("--label", default="", help="a note, e.g. 'Google, phone'")
    create.set_defaults(handler=feed_create, needs_db=True)
    listing = actions.add_parser("list", help="list feed tokens (never the tokens themselves)")
    listing.add_argument("practitioner", nargs="?")
    listing.add_argument("--all", action="store_true", help="include revoked tokens")
    listing.set_defaults(handler=feed_list, needs_db=True)
    for name, handler, text in (("rotate", feed_rotate, "replace a token by a new one"),
                                ("revoke", feed_revoke, "revoke a token: its URL answers 404")):
        action = actions.add_parser(name, help=text)
        action.add_argument("token_id", type=int, help="id shown by `creneau feed list`")
        action.set_defaults(handler=handler, needs_db=True)

    calendar = subparsers.add_parser("calendar", help="external calendars imported as busy time")
    actions = calendar.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add an iCal address (https:// or webcal://)")
    add.add_argument("practitioner", help="practitioner slug")
    add.add_argument("url", help="Google secret address, Outlook published calendar, iCloud public calendar")
    add.add_argument("--label", default="")
    add.add_argument("--allow-internal", action="store_true", help=_INTERNAL_HELP)
    add.set_defaults(handler=calendar_add, needs_db=True)
    listing = actions.add_parser("list", help="list external calendars and their sync state")
    listing.add_argument("practitioner", nargs="?")
    listing.set_defaults(handler=calendar_list, needs_db=True)
    remove = actions.add_parser("remove", help="remove an external calendar and its busy blocks")
    remove.add_argument("calendar_id", type=int)
    remove.set_defaults(handler=calendar_remove, needs_db=True)

    sync = subparsers.add_parser("sync", help="import external calendars as busy blocks (runs until stopped)")
    sync.add_argument("--once", action="store_true", help="sync every calendar once and exit")
    sync.add_argument("--allow-internal", action="store_true", help=_INTERNAL_HELP)
    sync.set_defaults(handler=sync_command, needs_db=True)

"""`creneau worker` and `creneau outbox list|retry ID` (registered by creneau.cli)."""

from __future__ import annotations

import argparse
import asyncio
import signal
from datetime import timedelta

from portal.clock import utcnow


async def cmd_worker(args: argparse.Namespace, settings) -> int:
    from notifier.worker import drain_once, run_loop

    if args.once:
        from notifier.channels import build_channels

        channels = build_channels(settings)
        try:
            stats = await drain_once(settings, channels, batch_size=args.batch, lease=timedelta(seconds=args.lease))
        finally:
            for channel in channels.values():
                await channel.close()
        print(f"claimed {stats.claimed}: {stats.outcomes}")
        return 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)  # finish the batch in hand, then leave
    await run_loop(settings, stop, batch_size=args.batch, lease=timedelta(seconds=args.lease), poll_seconds=args.poll)
    return 0


async def cmd_outbox_list(args: argparse.Namespace, settings) -> int:
    from notifier.admin import VISIBLE, format_rows, list_messages

    statuses = [args.status] if args.status else VISIBLE
    print(format_rows(await list_messages(statuses, args.limit)))
    return 0


async def cmd_outbox_retry(args: argparse.Namespace, settings) -> int:
    from notifier.admin import CannotRetry, retry_message

    try:
        await retry_message(args.id, utcnow())
    except CannotRetry as exc:
        print(f"creneau outbox retry: {exc}")
        return 1
    print(f"message {args.id} is due again")
    return 0


def register(subparsers) -> None:
    worker = subparsers.add_parser("worker", help="send the outbox's e-mails and SMS (any number on PostgreSQL)")
    worker.add_argument("--batch", type=int, default=50, help="messages claimed at once (default 50)")
    worker.add_argument("--lease", type=int, default=120, help="seconds a claim lasts before another worker may take it over "
                        "(default 120; more than a send's timeout, 30 s for SMTP and Vonage)")
    worker.add_argument("--poll", type=float, default=0.5, help="seconds between looks when nothing is due")
    worker.add_argument("--once", action="store_true", help="drain one batch and exit")
    worker.set_defaults(handler=cmd_worker, needs_db=True)

    outbox = subparsers.add_parser("outbox", help="list pending, failed and dead messages; retry one")
    actions = outbox.add_subparsers(dest="outbox_action", required=True)
    listing = actions.add_parser("list", help="pending, sending, failed and dead messages")
    listing.add_argument("--status", choices=["pending", "sending", "failed", "dead"])
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(handler=cmd_outbox_list, needs_db=True)
    retry = actions.add_parser("retry", help="make a failed or dead message due now")
    retry.add_argument("id", type=int)
    retry.set_defaults(handler=cmd_outbox_retry, needs_db=True)

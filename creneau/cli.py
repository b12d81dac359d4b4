"""`creneau` — one console script for every process and administrative task.

Other packages add their commands through `register(subparsers)`, imported plainly here (the
composition root); a command sets `handler=async def (args, settings) -> int` and `needs_db=True` to get a
connected database.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import unicodedata
from datetime import time

import calendar_sync.cli
import notifier.cli
from creneau import database as db, user_cli
from notifier.render import check_sms_fits
from portal.practice.address import city_key, split_address
from portal.practice.models import is_slug
from portal.settings import ConfigError, Settings, load_settings

SLUG_RULE = ("slug {slug!r}: use lower-case letters, digits and single hyphens, at most 64 characters "
             "(it appears in addresses, e.g. camille-martin)")
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
            "lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6}


# --- serve / migrate / demo -------------------------------------------------------------------

def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if args.workers > 1:
        # Each worker process builds its app from the environment (creneau.asgi).
        uvicorn.run("creneau.asgi:app", host=args.host, port=args.port, workers=args.workers,
                    proxy_headers=settings.trust_forwarded_for, log_level=args.log_level,
                    access_log=settings.access_log)
        # (uvicorn trusts X-Forwarded-For only from FORWARDED_ALLOW_IPS, default 127.0.0.1.)
        return 0
    from creneau.app import create_app

    uvicorn.run(create_app(settings), host=args.host, port=args.port,
                proxy_headers=settings.trust_forwarded_for, log_level=args.log_level, access_log=settings.access_log)
    return 0


async def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    try:
        await db.migrate(settings.database_url)
    finally:
        await db.close()
    print("migrations applied")
    return 0


async def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from portal import context
    from portal.access.demo import DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, create_demo_admin
    from portal.models import Practice
    from portal.practice.demo import DEMO_PRACTICE, load_demo

    if await Practice.filter(slug=DEMO_PRACTICE).exists():
        print("demo practice already loaded")
        return 0
    if args.if_empty and await Practice.all().exists():
        print("database not empty: demo not loaded")
        return 0
    practice = await load_demo()
    await create_demo_admin(context.system("cli"), practice)
    print(f"demo practice loaded: {settings.base_url}/c/{practice.slug}")
    print(f"demo back-office: {settings.base_url}/admin/login as {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}")
    return 0


# --- practice / practitioner ------------------------------------------------------------------

async def cmd_practice_add(args: argparse.Namespace, settings: Settings) -> int:
    """The name, address, e-mail and phone reach patients' pages and messages: checked as the
    settings page checks them (the same messages)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from portal.models import Practice
    from portal.patients.input import HIDDEN_CHARACTER, hidden_character
    from portal.practice.settings import contact_email, contact_phone

    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"unknown time zone: {args.timezone}", file=sys.stderr)
        return 2
    if not is_slug(args.slug):
        print(SLUG_RULE.format(slug=args.slug), file=sys.stderr)
        return 2
    errors: dict[str, str] = {}
    name = " ".join(args.name.split())
    if not name:
        errors["name"] = "Ce champ est obligatoire."
    elif hidden_character(name) or hidden_character(args.address):
        errors["name" if hidden_character(name) else "--address"] = HIDDEN_CHARACTER
    email = contact_email(args.email, errors, "--email")
    phone = contact_phone(args.phone, errors, "--phone")
    if errors:
        for option, message in errors.items():
            print(f"{option}: {message}", file=sys.stderr)
        return 2
    if await Practice.filter(slug=args.slug).exists():
        print(f"practice {args.slug} exists already", file=sys.stderr)
        return 1
    street, postcode, city = split_address(args.address)  # "12 rue X, 75011 Paris": in its three parts
    await Practice.create(slug=args.slug, name=name, address=street, postcode=postcode, city=city,
                          city_key=city_key(city), timezone=args.timezone, email=email, phone=phone,
                          practitioner_invitations=not args.no_practitioner_invitations)
    print(f"practice {args.slug} created")
    return 0


async def cmd_practice_set(args: argparse.Namespace, settings: Settings) -> int:
    from portal.models import Practice
    from portal.practice.settings import contact_email, contact_phone

    changes: dict[str, object] = {}
    errors: dict[str, str] = {}
    if args.email is not None:
        changes["email"] = contact_email(args.email, errors, "--email")
    if args.phone is not None:
        changes["phone"] = contact_phone(args.phone, errors, "--phone")
    if errors:
        for option, message in errors.items():
            print(f"{option}: {message}", file=sys.stderr)
        return 2
    if args.practitioner_invitations is not None:
        changes["practitioner_invitations"] = args.practitioner_invitations == "on"
    if not changes:
        print("nothing to change: give --email, --phone or --practitioner-invitations", file=sys.stderr)
        return 2
    if not await Practice.filter(slug=args.slug).update(**changes):
        print(f"no practice {args.slug}", file=sys.stderr)
        return 1
    print(f"practice {args.slug} updated: {', '.join(sorted(changes))}")
    return 0


def parse_hours(specs: list[str]) -> list[tuple[int, time, time]]:
    """'mon-fri 09:00-12:30 14:00-19:00' -> rows (weekday, opens, closes)."""
    rows = []
    for spec in specs:
        days, *spans = spec.split()
        first, _, last = days.lower().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS) or not spans:
            raise ValueError(f"hours: expected like 'mon-fri 09:00-12:30 14:00-19:00', got {spec!r}")
        for day in range(WEEKDAYS[first], WEEKDAYS[last or first] + 1):
            for span in spans:
                match = re.fullmatch(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", span, re.ASCII)
                if not match:
                    raise ValueError(f"hours: expected HH:MM-HH:MM, got {span!r}")
                h1, m1, h2, m2 = map(int, match.groups())
                rows.append((day, time(h1, m1), time(h2, m2)))
    return rows


def parse_service(spec: str) -> dict:
    """'Consultation adulte:45' -> the service's fields (slug from the name)."""
    from portal.patients.input import HIDDEN_CHARACTER, hidden_character
    from portal.practice.models import check_service_times

    name, _, minutes = spec.rpartition(":")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()  # Séance -> seance
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    if not slug or not (minutes.strip().isascii() and minutes.strip().isdigit()):
        raise ValueError(f"service: expected like 'Consultation:45' (name and minutes), got {spec!r}")
    if hidden_character(name):
        raise ValueError(f"service: {HIDDEN_CHARACTER}")
    check_service_times(int(minutes))
    return dict(slug=slug, name=name.strip(), duration_minutes=int(minutes))


async def cmd_practitioner_add(args: argparse.Namespace, settings: Settings) -> int:
    """The same use case as the back-office page "Ajouter un praticien" (the same checks, the same
    derived slug when none is given), with the hours and services of the command line."""
    from portal import context
    from portal.errors import FieldErrors
    from portal.models import Practice, Practitioner
    from portal.practice.practitioners import create_practitioner

    practices = await Practice.filter(slug=args.practice) if args.practice else await Practice.all()
    if len(practices) != 1:
        print("name the practice with --practice (see `creneau practice add`)", file=sys.stderr)
        return 2
    if args.slug is not None and not is_slug(args.slug):
        print(SLUG_RULE.format(slug=args.slug), file=sys.stderr)
        return 2
    if args.slug is not None and await Practitioner.filter(slug=args.slug).exists():
        print(f"practitioner {args.slug} exists already", file=sys.stderr)
        return 1
    try:
        hours_rows = parse_hours(args.hours or [])
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    hours: dict[int, list] = {}
    for day, opens, closes in hours_rows:
        hours.setdefault(day, []).append((opens, closes))
    try:
        services = [parse_service(spec) for spec in args.service or []]
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    fields = {"first_name": args.first_name, "last_name": args.last_name, "profession": args.profession,
              "title": args.title or "", "rpps": args.rpps or "", "adeli": args.adeli or "",
              "email": args.email or "", "phone": args.phone or "", "bookable": "1"}
    try:
        practitioner = await create_practitioner(context.system("cli"), practices[0], fields, slug=args.slug,
                                                 hours=hours, services=services)
    except FieldErrors as exc:
        for name, message in exc.fields.items():
            print(f"--{name.replace('_', '-')}: {message}", file=sys.stderr)
        return 2
    print(f"practitioner {practitioner.slug} created: {settings.base_url}/p/{practitioner.slug}")
    if not args.email:
        print("no --email: this practitioner gets no notice of online bookings, moves and cancellations "
              "(nor the invitation that puts them in their calendar at once)", file=sys.stderr)
    return 0


async def cmd_practitioner_list(args: argparse.Namespace, settings: Settings) -> int:
    from portal.models import Practitioner

    rows = await Practitioner.all().order_by("slug").values_list(
        "slug", "first_name", "last_name", "profession", "practice__slug", "bookable")
    for slug, first, last, profession, practice, bookable in rows:
        print(f"{slug}\t{first} {last}\t{profession}\t{practice}\t{'bookable' if bookable else 'hidden'}")
    return 0


# --- retention --------------------------------------------------------------------------------

async def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    from creneau.maintenance import run_purge
    from portal.clock import utcnow

    for line in await run_purge(settings, utcnow(), dry_run=args.dry_run):
        print(line)
    return 0


async def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """`creneau worker`: the outbox worker, with the daily housekeeping (retention) beside it."""
    if args.once:
        return await notifier.cli.cmd_worker(args, settings)
    from creneau import maintenance

    stop = asyncio.Event()
    housekeeping = asyncio.create_task(maintenance.run_loop(settings, stop))
    try:
        return await notifier.cli.cmd_worker(args, settings)
    finally:
        stop.set()
        await housekeeping


async def cmd_practitioner_limits(args: argparse.Namespace, settings: Settings) -> int:
    """Show, or set, the online bookings a practitioner takes per hour and per day (0: no limit)."""
    from portal.models import Practitioner

    practitioner = await Practitioner.get_or_none(slug=args.slug)
    if practitioner is None:
        print(f"no practitioner {args.slug} (see `creneau practitioner list`)", file=sys.stderr)
        return 1
    if args.per_hour is not None:
        practitioner.online_bookings_per_hour = args.per_hour
    if args.per_day is not None:
        practitioner.online_bookings_per_day = args.per_day
    await practitioner.save(update_fields=["online_bookings_per_hour", "online_bookings_per_day"])
    print(f"{args.slug}: at most {practitioner.online_bookings_per_hour} online bookings an hour, "
          f"{practitioner.online_bookings_per_day} a day (0: no limit)")
    return 0


async def cmd_practice_sms(args: argparse.Namespace, settings: Settings) -> int:
    """Show, or set, where a practice sends SMS and how many a day."""
    from portal.limits.sms import parse_regions
    from portal.models import Practice

    practice = await Practice.get_or_none(slug=args.slug)
    if practice is None:
        print(f"no practice {args.slug}", file=sys.stderr)
        return 1
    if args.regions is not None:
        try:
            practice.sms_regions = parse_regions(args.regions)
        except ValueError as exc:
            print(f"--regions: {exc}", file=sys.stderr)
            return 2
    if args.daily_budget is not None:
        practice.sms_daily_budget = args.daily_budget
    await practice.save(update_fields=["sms_regions", "sms_daily_budget"])
    print(f"{args.slug}: SMS to {practice.sms_regions or 'nowhere'}, at most {practice.sms_daily_budget} a day")
    return 0


async def cmd_practice_confirm(args: argparse.Namespace, settings: Settings) -> int:
    """Turn the confirmation step of online bookings on or off."""
    from portal.models import Practice

    practice = await Practice.get_or_none(slug=args.slug)
    if practice is None:
        print(f"no practice {args.slug}", file=sys.stderr)
        return 1
    if args.state is not None:
        practice.confirm_online_bookings = args.state == "on"
        await practice.save(update_fields=["confirm_online_bookings"])
    state = "on" if practice.confirm_online_bookings else "off"
    print(f"{args.slug}: confirmation of online bookings by code {state}")
    return 0


def _count(raw: str) -> int:
    value = int(raw) if raw.isascii() and raw.isdigit() else -1  # int() takes "٣" too
    if not 0 <= value <= 100_000:
        raise argparse.ArgumentTypeError("a whole number from 0 to 100000")
    return value


# --- parser -----------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="creneau", description="Créneau: online booking and reminders.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the web app (with worker and sync inside on SQLite)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(sync_handler=cmd_serve)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(handler=cmd_migrate, needs_db=False)
    demo = sub.add_parser("demo", help="load the demo practice (an osteopath and an audiologist)")
    demo.add_argument("--if-empty", action="store_true", help="only into an empty database")
    demo.set_defaults(handler=cmd_demo, needs_db=True)

    practice = sub.add_parser("practice", help="manage practices").add_subparsers(dest="action", required=True)
    add = practice.add_parser("add", help="add a practice")
    add.add_argument("slug")
    add.add_argument("name")
    add.add_argument("--address", default="")
    add.add_argument("--timezone", default="Europe/Paris")
    add.add_argument("--email", default="", help="the practice's address: Reply-To of e-mails, organizer of invitations")
    add.add_argument("--phone", default="", help="E.164, e.g. +33142000000")
    add.add_argument("--no-practitioner-invitations", action="store_true",
                     help="practitioners' notices without the invitation that adds the booking to their calendar")
    add.set_defaults(handler=cmd_practice_add, needs_db=True)
    change = practice.add_parser("set", help="change a practice's address, phone or practitioner invitations")
    change.add_argument("slug")
    change.add_argument("--email", help="the practice's address: Reply-To of e-mails, organizer of invitations")
    change.add_argument("--phone", help="E.164, e.g. +33142000000")
    change.add_argument("--practitioner-invitations", choices=("on", "off"),
                        help="whether practitioners' notices carry the invitation that adds the booking to their "
                             "calendar at once")
    change.set_defaults(handler=cmd_practice_set, needs_db=True)
    sms = practice.add_parser("sms", help="show or set where the practice sends SMS and how many a day")
    sms.add_argument("slug")
    sms.add_argument("--regions", help="ISO 3166 region codes, comma separated (default FR,GP,MQ,GF,RE,YT,PM,BL,MF)")
    sms.add_argument("--daily-budget", type=_count, help="SMS sent per day at most")
    sms.set_defaults(handler=cmd_practice_sms, needs_db=True)
    confirm = practice.add_parser("confirm", help="show or set whether online bookings wait for a code")
    confirm.add_argument("slug")
    confirm.add_argument("state", nargs="?", choices=("on", "off"))
    confirm.set_defaults(handler=cmd_practice_confirm, needs_db=True)

    practitioner = sub.add_parser("practitioner", help="manage practitioners").add_subparsers(dest="action", required=True)
    add = practitioner.add_parser("add", help="add a practitioner (as the back-office page 'Ajouter un praticien')")
    add.add_argument("slug", nargs="?", help="its address /p/SLUG (derived from the name when left out: "
                                             "camille-martin, then camille-martin-2…)")
    add.add_argument("--title", help="e.g. Dr")
    add.add_argument("--phone")
    add.add_argument("--first-name", required=True)
    add.add_argument("--last-name", required=True)
    add.add_argument("--profession", required=True)
    add.add_argument("--practice", help="practice slug (needed when there are several)")
    add.add_argument("--rpps")
    add.add_argument("--adeli")
    add.add_argument("--email", help="where notices of online bookings go (none without it)")
    add.add_argument("--hours", action="append", help="'mon-fri 09:00-12:30 14:00-19:00' (repeatable)")
    add.add_argument("--service", action="append", help="'Consultation:45' name and minutes (repeatable)")
    add.set_defaults(handler=cmd_practitioner_add, needs_db=True)
    practitioner.add_parser("list", help="list practitioners").set_defaults(handler=cmd_practitioner_list, needs_db=True)
    limits = practitioner.add_parser("limits", help="show or set the online bookings taken per hour and per day")
    limits.add_argument("slug")
    limits.add_argument("--per-hour", type=_count, help="online bookings made per hour at most (0: no limit)")
    limits.add_argument("--per-day", type=_count, help="online bookings made per day at most (0: no limit)")
    limits.set_defaults(handler=cmd_practitioner_limits, needs_db=True)

    purge = sub.add_parser("purge", help="apply retention now; prints counts, never names (the worker runs it daily, and serve does with INLINE_WORKERS)")
    purge.add_argument("--dry-run", action="store_true", help="count what would go, change nothing")
    purge.set_defaults(handler=cmd_purge, needs_db=True)

    user_cli.register(sub)
    notifier.cli.register(sub)
    sub.choices["worker"].set_defaults(handler=cmd_worker)
    calendar_sync.cli.register(sub)
    return parser


async def _run_with_db(handler, args: argparse.Namespace, settings: Settings) -> int:
    if settings.is_sqlite:
        await db.migrate(settings.database_url)  # one laptop, one command: keep the schema current
        await db.close()
    await db.init(settings.database_url)
    try:
        return await handler(args, settings)
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        check_sms_fits(settings.base_url)
    except ConfigError as exc:
        print(f"creneau: configuration error: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "handler", None) or getattr(args, "sync_handler", None):
        try:
            asyncio.run(db.check_reachable(settings.database_url))
        except db.Unreachable as exc:
            print(f"creneau: DATABASE_URL: {exc}", file=sys.stderr)
            return 2
    if getattr(args, "sync_handler", None):
        return args.sync_handler(args, settings)
    if getattr(args, "needs_db", False):
        return asyncio.run(_run_with_db(args.handler, args, settings))
    return asyncio.run(args.handler(args, settings))


if __name__ == "__main__":
    raise SystemExit(main())

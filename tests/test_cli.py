"""The `creneau` command as an operator uses it: `creneau.cli.main` in this process (the
`creneau` fixture), and once through the installed console script in its own process."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import SECRET_KEY


def test_the_console_script_migrates_a_new_database_and_loads_the_demo(tmp_path):
    """The one subprocess: the installed entry point, a database file that does not exist yet,
    and a process that exits once the command is done (an open connection would hang it)."""
    script = Path(sys.executable).with_name("creneau")
    assert script.exists(), f"{script}: install the package (make install-test) to get the console script"
    environ = dict(os.environ, CRENEAU_VAR_DIR=str(tmp_path), SECRET_KEY=SECRET_KEY,
                   DATABASE_URL=f"sqlite://{tmp_path}/new/cli.sqlite3")
    result = subprocess.run([str(script), "demo"], env=environ, cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ("demo practice loaded: http://127.0.0.1:8000/c/cabinet-des-lilas\n"
                             "demo back-office: http://127.0.0.1:8000/admin/login as admin@cabinet-des-lilas.example"
                             " / lilas-demo-2026\n")


def test_help_lists_the_commands(creneau):
    result = creneau("--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "demo", "practitioner"):
        assert command in result.stdout


def test_a_bad_setting_stops_with_one_line_naming_it(creneau):
    result = creneau("migrate", BOOKING_RATE_LIMIT="often")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "creneau: configuration error: BOOKING_RATE_LIMIT: expected 'N/second', 'N/minute', 'N/hour' or '0', got 'often'"]


def test_migrate_demo_and_practitioners(creneau):
    assert creneau("migrate").returncode == 0
    assert "demo practice loaded" in creneau("demo", "--if-empty").stdout
    assert "already loaded" in creneau("demo", "--if-empty").stdout
    added = creneau("practitioner", "add", "lea-petit", "--first-name", "Léa", "--last-name", "Petit",
                    "--profession", "Orthophoniste", "--hours", "mon-thu 09:00-12:00 14:00-18:00",
                    "--service", "Bilan orthophonique:60")
    assert added.returncode == 0, added.stderr
    assert "no --email: this practitioner gets no notice" in added.stderr  # issue 12 item 6: asks for it
    listing = creneau("practitioner", "list").stdout
    assert "lea-petit\tLéa Petit\tOrthophoniste" in listing and "camille-martin" in listing
    duplicate = creneau("practitioner", "add", "lea-petit", "--first-name", "L", "--last-name", "P",
                        "--profession", "X")
    assert duplicate.returncode == 1 and "exists already" in duplicate.stderr
    bad_slug = creneau("practitioner", "add", "Léa Petit/2", "--first-name", "L", "--last-name", "P",
                       "--profession", "X")
    assert bad_slug.returncode == 2 and "slug 'Léa Petit/2'" in bad_slug.stderr
    assert creneau("practice", "add", "a--b", "Cabinet").returncode == 2
    off = creneau("practice", "set", "cabinet-des-lilas", "--practitioner-invitations", "off")
    assert off.returncode == 0 and "practitioner_invitations" in off.stdout
    assert creneau("practice", "set", "nowhere", "--email", "a@b.fr").returncode == 1
    bad_hours = creneau("practitioner", "add", "x", "--first-name", "X", "--last-name", "Y",
                        "--profession", "Z", "--hours", "someday 9-5")
    assert bad_hours.returncode == 2 and "hours" in bad_hours.stderr


def test_a_service_that_cannot_be_booked_is_refused_with_its_reason(creneau):
    assert creneau("demo").returncode == 0
    base = ("practitioner", "add", "noe-roux", "--first-name", "Noé", "--last-name", "Roux", "--profession", "Kiné")
    too_long = creneau(*base, "--service", "Stage intensif:1500")
    assert too_long.returncode == 2 and "at most 1440 minutes" in too_long.stderr
    no_minutes = creneau(*base, "--service", "Séance")
    assert no_minutes.returncode == 2 and "'Consultation:45'" in no_minutes.stderr
    assert "noe-roux" not in creneau("practitioner", "list").stdout
    added = creneau(*base, "--service", "Séance de rééducation:30")
    assert added.returncode == 0, added.stderr


async def _creation_events(url: str) -> list[tuple[str, str]]:
    from creneau import database as db
    from portal.audit.models import AuditEvent

    await db.init(url)
    try:
        return list(await AuditEvent.filter(action="practitioner.create").values_list("actor", "channel"))
    finally:
        await db.close()


def test_practitioner_add_shares_the_back_office_page_s_checks_and_slug(creneau, sqlite_url):
    import asyncio

    """`creneau practitioner add` and the page "Ajouter un praticien" are one use case: the same
    field checks, the slug derived from the name when none is given (suffixed when taken), audited."""
    assert creneau("demo").returncode == 0
    base = ("practitioner", "add", "--first-name", "Camille", "--last-name", "Martin", "--profession", "Ostéopathe")
    derived = creneau(*base)
    assert derived.returncode == 0, derived.stderr
    assert "practitioner camille-martin-2 created: " in derived.stdout  # the demo's Camille Martin has the plain one
    bad = creneau(*base, "--rpps", "123", "--email", "nope", "--phone", "42")
    assert bad.returncode == 2
    assert "--rpps: Le numéro RPPS a 11 chiffres." in bad.stderr
    assert "--email: " in bad.stderr and "--phone: " in bad.stderr
    assert "camille-martin-3" not in creneau("practitioner", "list").stdout
    assert asyncio.run(_creation_events(sqlite_url)) == [("system:cli", "cli")]


def test_online_limits_and_sms_rules_are_set_from_the_command_line(creneau):
    assert creneau("demo").returncode == 0
    shown = creneau("practitioner", "limits", "camille-martin")
    assert shown.returncode == 0 and "at most 10 online bookings an hour, 40 a day" in shown.stdout
    assert "at most 4 online bookings an hour, 12 a day" in creneau(
        "practitioner", "limits", "camille-martin", "--per-hour", "4", "--per-day", "12").stdout
    assert creneau("practitioner", "limits", "camille-martin", "--per-hour", "-1").returncode == 2
    assert creneau("practitioner", "limits", "nobody").returncode == 1
    sms = creneau("practice", "sms", "cabinet-des-lilas", "--regions", "fr, re,be", "--daily-budget", "50")
    assert sms.returncode == 0 and "SMS to FR,RE,BE, at most 50 a day" in sms.stdout
    bad = creneau("practice", "sms", "cabinet-des-lilas", "--regions", "FR,XX")
    assert bad.returncode == 2 and "XX" in bad.stderr
    assert "SMS to FR,RE,BE, at most 50 a day" in creneau("practice", "sms", "cabinet-des-lilas").stdout
    assert "confirmation of online bookings by code off" in creneau("practice", "confirm", "cabinet-des-lilas").stdout
    assert "by code on" in creneau("practice", "confirm", "cabinet-des-lilas", "on").stdout
    assert "by code on" in creneau("practice", "confirm", "cabinet-des-lilas").stdout


def test_practice_contact_details_are_checked_and_stored_as_the_settings_page_stores_them(creneau):
    """The practice's phone and e-mail reach pages, SMS and Reply-To: the CLI takes them through
    the same checks as the back-office's settings page (E.164 number, valid address)."""
    assert creneau("demo").returncode == 0
    bad = creneau("practice", "set", "cabinet-des-lilas", "--phone", "call us", "--email", "not an address")
    assert bad.returncode == 2
    assert "--phone" in bad.stderr and "--email" in bad.stderr


async def _stored_contact(url: str) -> tuple[str, str]:
    from creneau import database as db
    from portal.models import Practice

    await db.init(url)
    try:
        row = await Practice.get(slug="cabinet-des-lilas")
        return row.phone, row.email
    finally:
        await db.close()


def test_practice_phone_is_stored_in_e164(creneau, sqlite_url):
    import asyncio

    assert creneau("demo").returncode == 0
    assert creneau("practice", "set", "cabinet-des-lilas", "--phone", "01 42 00 00 01",
                   "--email", "RDV@Lilas.fr").returncode == 0
    assert asyncio.run(_stored_contact(sqlite_url)) == ("+33142000001", "rdv@lilas.fr")


def test_serve_writes_no_access_log_unless_asked(creneau, monkeypatch):
    """Issue 16: uvicorn's access log cost a cheap request a fifth of its CPU; it is off unless
    ACCESS_LOG=true (and then its lines still hide secret paths: portal/log_redaction.py)."""
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    assert creneau("serve").returncode == 0
    assert creneau("serve", "--workers", "2", ACCESS_LOG="true").returncode == 0
    assert creneau("serve", ACCESS_LOG="yes").returncode == 0
    assert [options["access_log"] for options in calls] == [False, True, True]


UNREACHABLE = {
    "nothing listens": "postgres://creneau:s3cret-pw@127.0.0.1:1/creneau",
    "no such directory": "sqlite:///proc/no-such-dir/creneau.sqlite3",
}


@pytest.mark.parametrize("url", UNREACHABLE.values(), ids=UNREACHABLE)
@pytest.mark.parametrize("command", [["migrate"], ["serve"], ["worker", "--once"], ["practitioner", "list"]])
def test_a_database_that_cannot_be_reached_stops_with_one_line_naming_it(creneau, monkeypatch, url, command):
    """An operator's typo in DATABASE_URL (or a PostgreSQL that is down) is one line naming the
    variable and the reason, never a traceback, and never the password."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **options: pytest.fail("served without a database"))
    result = creneau(*command, DATABASE_URL=url)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("creneau: DATABASE_URL: cannot reach the database "), line
    assert "s3cret-pw" not in line and "Traceback" not in result.stderr


def test_names_with_hidden_characters_are_refused_by_the_command_line(creneau):
    """A Right-to-Left Override or a zero-width space in a name that patients read is refused
    with the back-office page's message, nothing created."""
    from portal.patients.input import HIDDEN_CHARACTER

    assert creneau("demo").returncode == 0
    practice = creneau("practice", "add", "lilas-2", "Cabinet \u202eSNART")
    assert practice.returncode == 2 and f"name: {HIDDEN_CHARACTER}" in practice.stderr
    assert creneau("practice", "set", "lilas-2", "--email", "a@b.fr").returncode == 1  # not created
    base = ("practitioner", "add", "--practice", "cabinet-des-lilas", "--first-name", "Camille",
            "--profession", "Ostéopathe")
    practitioner = creneau(*base, "--last-name", "Mar\u200btin")
    assert practitioner.returncode == 2 and f"--last-name: {HIDDEN_CHARACTER}" in practitioner.stderr
    service = creneau(*base, "--last-name", "Martin", "--service", "Séance\u2066:45")
    assert service.returncode == 2 and HIDDEN_CHARACTER in service.stderr
    assert "camille-martin-2" not in creneau("practitioner", "list").stdout

"""The `creneau` command as an operator uses it (separate processes, a real SQLite file)."""

import os
import subprocess
import sys

from tests.builders import SECRET_KEY


def creneau(tmp_path, *args, **env):
    environ = dict(os.environ, CRENEAU_VAR_DIR=str(tmp_path), SECRET_KEY=SECRET_KEY,
                   DATABASE_URL=f"sqlite://{tmp_path}/cli.sqlite3", **env)
    return subprocess.run([sys.executable, "-m", "creneau.cli", *args], env=environ, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_help_lists_the_commands(tmp_path):
    result = creneau(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("serve", "migrate", "demo", "practitioner"):
        assert command in result.stdout


def test_a_bad_setting_stops_with_one_line_naming_it(tmp_path):
    result = creneau(tmp_path, "migrate", BOOKING_RATE_LIMIT="often")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "creneau: configuration error: BOOKING_RATE_LIMIT: expected 'N/second', 'N/minute', 'N/hour' or '0', got 'often'"]


def test_migrate_demo_and_practitioners(tmp_path):
    assert creneau(tmp_path, "migrate").returncode == 0
    assert "demo practice loaded" in creneau(tmp_path, "demo", "--if-empty").stdout
    assert "already loaded" in creneau(tmp_path, "demo", "--if-empty").stdout
    added = creneau(tmp_path, "practitioner", "add", "lea-petit", "--first-name", "Léa", "--last-name", "Petit",
                    "--profession", "Orthophoniste", "--hours", "mon-thu 09:00-12:00 14:00-18:00",
                    "--service", "Bilan orthophonique:60")
    assert added.returncode == 0, added.stderr
    listing = creneau(tmp_path, "practitioner", "list").stdout
    assert "lea-petit\tLéa Petit\tOrthophoniste" in listing and "camille-martin" in listing
    duplicate = creneau(tmp_path, "practitioner", "add", "lea-petit", "--first-name", "L", "--last-name", "P",
                        "--profession", "X")
    assert duplicate.returncode == 1 and "exists already" in duplicate.stderr
    bad_slug = creneau(tmp_path, "practitioner", "add", "Léa Petit/2", "--first-name", "L", "--last-name", "P",
                       "--profession", "X")
    assert bad_slug.returncode == 2 and "slug 'Léa Petit/2'" in bad_slug.stderr
    assert creneau(tmp_path, "practice", "add", "a--b", "Cabinet").returncode == 2
    bad_hours = creneau(tmp_path, "practitioner", "add", "x", "--first-name", "X", "--last-name", "Y",
                        "--profession", "Z", "--hours", "someday 9-5")
    assert bad_hours.returncode == 2 and "hours" in bad_hours.stderr


def test_a_service_that_cannot_be_booked_is_refused_with_its_reason(tmp_path):
    assert creneau(tmp_path, "migrate").returncode == 0
    assert creneau(tmp_path, "demo").returncode == 0
    base = ("practitioner", "add", "noe-roux", "--first-name", "Noé", "--last-name", "Roux", "--profession", "Kiné")
    too_long = creneau(tmp_path, *base, "--service", "Stage intensif:1500")
    assert too_long.returncode == 2 and "at most 1440 minutes" in too_long.stderr
    no_minutes = creneau(tmp_path, *base, "--service", "Séance")
    assert no_minutes.returncode == 2 and "'Consultation:45'" in no_minutes.stderr
    assert "noe-roux" not in creneau(tmp_path, "practitioner", "list").stdout
    added = creneau(tmp_path, *base, "--service", "Séance de rééducation:30")
    assert added.returncode == 0, added.stderr

"""`creneau feed …`, `creneau calendar …` and `creneau sync --once` as an operator runs them
(in this process: the `creneau` fixture of tests/conftest.py)."""

import re

import pytest

from tests.calendar_sync.conftest import feed_bytes


@pytest.fixture
def run(creneau, monkeypatch):
    """A command that must succeed; its output."""
    monkeypatch.setenv("BASE_URL", "https://rdv.example.fr")

    def succeed(*args: str) -> str:
        result = creneau(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return succeed


def test_feed_commands(run, creneau):
    run("demo")
    created = run("feed", "create", "camille-martin", "--level", "initials", "--label", "iPhone")
    https_url, webcal_url = re.findall(r"^\s+(\S+)$", created, re.M)
    token = re.fullmatch(r"https://rdv\.example\.fr/feeds/([\w-]{43,})\.ics", https_url).group(1)
    assert webcal_url == f"webcal://rdv.example.fr/feeds/{token}.ics"
    listing = run("feed", "list")
    assert "1\tcamille-martin\tinitials\tactive\tlast used never\tiPhone" in listing and token not in listing
    rotated = run("feed", "rotate", "1")
    assert "revoked" in rotated and token not in rotated and "/feeds/" in rotated
    assert "2\tcamille-martin\tinitials\tactive" in run("feed", "list")
    run("feed", "revoke", "2")
    assert run("feed", "list").strip() == ""
    assert "revoked" in run("feed", "list", "--all")
    again = creneau("feed", "revoke", "2")
    assert again.returncode == 1 and "déjà révoqué" in again.stderr
    unknown = creneau("feed", "create", "nobody")
    assert unknown.returncode == 1 and "nobody" in unknown.stderr


def test_calendar_commands_and_sync_once(run, creneau, calendar_server, closed_port_url):
    run("demo")
    good = calendar_server.serve("/private-0123456789abcdef/basic.ics", feed_bytes("google.ics"))
    assert "calendar 1 added" in run("calendar", "add", "camille-martin", good, "--label", "Google", "--allow-internal")
    run("calendar", "add", "camille-martin", closed_port_url, "--allow-internal")
    refused = creneau("calendar", "add", "camille-martin", "ftp://example.org/x.ics")
    assert refused.returncode == 1 and "webcal" in refused.stderr
    assert "not synced yet" in run("calendar", "list")

    synced = creneau("sync", "--once", "--allow-internal")
    assert synced.returncode == 1  # one source failed; the other was imported anyway
    assert "calendar 1: imported" in synced.stdout and "calendar 2: failed" in synced.stdout
    listing = run("calendar", "list", "camille-martin")
    assert re.search(r"^1\tcamille-martin\thttp://127\.0\.0\.1/…\tGoogle\tok .*, \d+ busy blocks$", listing, re.M)
    assert re.search(r"^2\t.*STALE since .* \(1 failures\)", listing, re.M)
    assert "private-0123456789abcdef" not in listing  # a secret address is never printed back
    assert re.search(r"calendar 1 removed with its \d+ busy blocks", run("calendar", "remove", "1"))


def test_the_cli_refuses_internal_calendar_addresses_unless_the_operator_allows_them(run, creneau, calendar_server):
    run("demo")
    local = calendar_server.serve("/agenda.ics", feed_bytes("google.ics"))
    refused = creneau("calendar", "add", "camille-martin", local)
    assert refused.returncode == 1 and "loopback" in refused.stderr
    assert "calendar 1 added" in run("calendar", "add", "camille-martin", local, "--allow-internal")
    guarded = creneau("sync", "--once")
    assert guarded.returncode == 1 and "calendar 1: failed" in guarded.stdout and "loopback" in guarded.stdout
    assert calendar_server.requests == []
    assert "calendar 1: imported" in run("sync", "--once", "--allow-internal")
    assert "calendar 1: not_modified" in creneau("sync", "--once", CALENDAR_ALLOW_INTERNAL="true").stdout


def test_control_characters_from_a_remote_calendar_never_reach_the_terminal(run, creneau, calendar_server):
    run("demo")
    evil = calendar_server.serve("/evil.ics", b"BEGIN:VCALENDAR\r\n\x1b[2J\x1b]0;pwned\x07\xe2\x80\xaegarbage\r\n"
                                              b"END:VCALENDAR\r\n")
    run("calendar", "add", "camille-martin", evil, "--label", "Evil\x1b[31m", "--allow-internal")
    synced = creneau("sync", "--once", "--allow-internal")
    listing = run("calendar", "list")
    assert "calendar 1: failed" in synced.stdout and "STALE" in listing and "garbage" in listing
    for text in (synced.stdout, synced.stderr, listing):
        assert not any(char in text for char in "\x1b\x07\u202e"), repr(text)

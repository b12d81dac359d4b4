"""`creneau user …` as an operator uses it: create the first administrator, list, disable,
reset a password or a second factor; and the demo's administrator."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

from creneau import database as db
from portal.access.models import StaffUser
from portal.access.secrets import password_matches


def _stored(url: str, email: str) -> StaffUser:
    async def read() -> StaffUser:
        await db.init(url)
        try:
            return await StaffUser.get(email=email)
        finally:
            await db.close()

    with ThreadPoolExecutor(1) as pool:  # pytest-asyncio may run a loop in this thread
        return pool.submit(asyncio.run, read()).result()


def test_add_an_administrator_list_reset_and_disable(creneau, sqlite_url):
    assert creneau("demo").returncode == 0
    added = creneau("user", "add", "Directrice@Cabinet-des-Lilas.example", "--role", "admin", "--name", "Anne")
    assert added.returncode == 0, added.stderr
    password = re.search(r"password \(shown once\): (\S+)", added.stdout).group(1)
    assert len(password) == 20
    user = _stored(sqlite_url, "directrice@cabinet-des-lilas.example")
    assert password_matches(user.password_hash, password) and password not in user.password_hash
    listing = creneau("user", "list").stdout
    assert "directrice@cabinet-des-lilas.example\tadmin\tcabinet-des-lilas\t-\tlast sign-in never" in listing
    reset = creneau("user", "reset-password", "directrice@cabinet-des-lilas.example")
    new_password = re.search(r"\(shown once\): (\S+)", reset.stdout).group(1)
    user = _stored(sqlite_url, "directrice@cabinet-des-lilas.example")
    assert password_matches(user.password_hash, new_password) and not password_matches(user.password_hash, password)
    assert creneau("user", "reset-2fa", "directrice@cabinet-des-lilas.example").returncode == 0
    assert creneau("user", "disable", "directrice@cabinet-des-lilas.example").returncode == 0
    assert "disabled" in creneau("user", "list").stdout
    assert _stored(sqlite_url, "directrice@cabinet-des-lilas.example").disabled


def test_practitioner_and_assistant_accounts(creneau, sqlite_url):
    creneau("demo")
    practitioner = creneau("user", "add", "camille@example.org", "--role", "practitioner",
                           "--practitioner", "camille-martin", "--require-2fa")
    assert practitioner.returncode == 0, practitioner.stderr
    assert "practitioner=camille-martin\t2fa-required" in creneau("user", "list").stdout
    assistant = creneau("user", "add", "accueil@example.org", "--role", "assistant", "--grant", "hugo-bernard")
    assert assistant.returncode == 0, assistant.stderr


def test_mistakes_are_explained(creneau):
    creneau("demo")
    missing = creneau("user", "add", "p@example.org", "--role", "practitioner")
    assert missing.returncode == 1 and "--practitioner" in missing.stderr
    unknown = creneau("user", "add", "p@example.org", "--role", "practitioner", "--practitioner", "nobody")
    assert unknown.returncode == 1 and "no practitioner nobody" in unknown.stderr
    assert creneau("user", "add", "x@example.org", "--role", "owner").returncode == 2
    assert creneau("user", "disable", "nobody@example.org").returncode == 1
    other = creneau("user", "add", "a@example.org", "--role", "admin", "--practice", "elsewhere")
    assert other.returncode == 1 and "no practice elsewhere" in other.stderr


def test_no_practice_yet(creneau):
    empty = creneau("user", "add", "a@example.org", "--role", "admin")
    assert empty.returncode == 1 and "no practice yet" in empty.stderr


def test_the_demo_has_an_administrator_with_the_published_password(creneau, sqlite_url):
    loaded = creneau("demo")
    assert "admin@cabinet-des-lilas.example / lilas-demo-2026" in loaded.stdout
    user = _stored(sqlite_url, "admin@cabinet-des-lilas.example")
    assert user.role == "admin" and password_matches(user.password_hash, "lilas-demo-2026")

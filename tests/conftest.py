"""Shared fixtures: a migrated SQLite file per test (copied from a template migrated once), and
the same on PostgreSQL when CRENEAU_TEST_POSTGRES_URL is set (one database per run, emptied
between tests)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from tortoise import Tortoise, connections

from creneau import cli, database as db
from portal.access import secrets
from tests.builders import SECRET_KEY

POSTGRES_URL = os.environ.get("CRENEAU_TEST_POSTGRES_URL", "")
requires_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="CRENEAU_TEST_POSTGRES_URL is not set")


# argon2id as production runs it (RFC 9106's low-memory profile: ~0.15 s and 64 MiB a hash here)
# is kept for the servers the browser tests start; in this process the tests sign in hundreds of
# times, so they hash at argon2's cheapest (the hashes say their parameters: both verify alike).
PRODUCTION_HASHER = secrets.HASHER


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    secrets.HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    secrets.dummy_hash.cache_clear()
    yield
    secrets.HASHER = PRODUCTION_HASHER
    secrets.dummy_hash.cache_clear()


def _migrate(url: str) -> None:
    async def run() -> None:
        try:
            await db.migrate(url)
        finally:
            await db.close()

    asyncio.run(run())


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite://{path}")
    return str(path)


@pytest.fixture(scope="session")
def postgres_database() -> str:
    """A fresh database for this run, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip(reason="CRENEAU_TEST_POSTGRES_URL is not set")
    import asyncpg

    name = f"creneau_test_{uuid.uuid4().hex[:10]}"
    admin_dsn = POSTGRES_URL.replace("postgres://", "postgresql://", 1)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    base, _, _ = POSTGRES_URL.rpartition("/")
    url = f"{base}/{name}"
    _migrate(url)
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template) -> str:
    path = tmp_path / "creneau.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite://{path}"


async def _truncate_all() -> None:
    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'tortoise%'"
    )
    tables = ", ".join(f'"{row["tablename"]}"' for row in rows)
    if tables:
        await conn.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=requires_postgres)])
def any_database_url(request) -> str:
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_database")


async def _open(url: str):
    await db.init(url)
    if url.startswith("postgres"):
        await _truncate_all()


@pytest.fixture
async def database(sqlite_url):
    """A migrated, empty SQLite database, connected."""
    await _open(sqlite_url)
    yield sqlite_url
    await db.close()


@pytest.fixture
async def any_database(any_database_url):
    """The same test on SQLite and (when available) PostgreSQL."""
    await _open(any_database_url)
    yield any_database_url
    await db.close()


@pytest.fixture
def now() -> datetime:
    """A fixed 'now' (a Monday morning in Paris): tests never read the clock."""
    return datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def creneau(tmp_path, sqlite_url, monkeypatch, capsys):
    """`creneau ARGS…` run in this process, as `creneau.cli.main` (env: ENV=VALUE keywords).

    The command reads its settings from the environment and opens and closes its own database
    (a copy of the migrated template), so it must not share a test with a fixture that holds a
    connection: tortoise allows one global connection set per process."""
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    for name, value in (("DATABASE_URL", sqlite_url), ("SECRET_KEY", SECRET_KEY), ("CRENEAU_VAR_DIR", str(tmp_path))):
        monkeypatch.setenv(name, value)

    def run(*args: str, **env: str) -> CliRun:
        assert not Tortoise.is_inited(), "a database fixture holds the connection the command would open"
        capsys.readouterr()
        with monkeypatch.context() as scoped:
            for name, value in env.items():
                scoped.setenv(name, value)
            try:
                code = cli.main(list(args))
            except SystemExit as exit_:  # argparse: --help, usage errors
                code = exit_.code
        out, err = capsys.readouterr()
        assert not Tortoise.is_inited(), "the command left its database open"
        return CliRun(code, out, err)

    return run


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, one per test module (pages in tests/patient_pages
    and tests/privacy; tests/admin starts its own)."""
    from tests.patient_pages.browser import launched_browser

    with launched_browser() as chromium:
        yield chromium

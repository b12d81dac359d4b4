"""The database apps, their configuration, connection and migrations (tortoise-orm and its own
migrations). Tortoise names model and migration modules by string: this composition root is the
one place that names them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE

from portal import sql

# Tortoise apps: label -> (models module, migrations module). Other packages' models live in
# their own apps so that `portal` never imports them.
APPS: dict[str, tuple[str, str]] = {
    "portal": ("portal.models", "portal.migrations"),
    "calendar_sync": ("calendar_sync.models", "calendar_sync.migrations"),
    "notifier": ("notifier.models", "notifier.migrations"),
}


def create_private_file(path: Path) -> None:
    """The SQLite file holds patients' data: created readable by its owner only, before SQLite
    opens it (SQLite gives its -wal and -shm files the database file's mode)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def connection_url(database_url: str) -> str:
    """Add the SQLite pragmas we rely on: wait for a lock instead of failing at once, and
    overwrite deleted or updated content with zeros (secure_delete: an erased patient's data
    must not linger in the file's free space)."""
    if database_url.startswith("sqlite://") and "?" not in database_url:
        path = database_url.removeprefix("sqlite://")
        if path != ":memory:":
            create_private_file(Path(path))
        return f"{database_url}?busy_timeout=5000&synchronous=NORMAL&secure_delete=ON"
    return database_url


async def _keep_session(connection) -> None:
    """Pool reset for PostgreSQL: nothing beyond the rollback asyncpg always does.

    asyncpg's default reset sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` on every release, a round trip per query outside a transaction. Créneau takes
    only transaction-scoped advisory locks (released at commit), and never holds cursors,
    listens or SETs a session variable, so there is nothing to undo; an open transaction is
    still rolled back by asyncpg before this runs."""


def connection_config(database_url: str) -> str | dict[str, Any]:
    url = connection_url(database_url)
    if not url.startswith(("postgres://", "postgresql://", "asyncpg://")):
        return url
    config = expand_db_url(url)
    config["credentials"]["reset"] = _keep_session
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {
            label: {"models": [models], "migrations": migrations, "default_connection": "default"}
            for label, (models, migrations) in APPS.items()
        },
        # Stored datetimes are UTC; a local zone here breaks SQLite ordering across DST.
        "use_tz": True,
        "timezone": "UTC",
    }


class Unreachable(Exception):
    """The database named by DATABASE_URL cannot be opened; the message says where and why,
    without the password."""


async def check_reachable(database_url: str) -> None:
    """Connect once before a command starts: a mistyped DATABASE_URL, a PostgreSQL that is down
    or an SQLite directory that cannot be written is one line at start-up, not a traceback from
    the first query (or from uvicorn's start-up)."""
    import sqlite3

    import asyncpg
    from tortoise import connections
    from tortoise.exceptions import BaseORMException

    try:
        await init(database_url)
        await connections.get("default").execute_query("SELECT 1")
    except (OSError, sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError, BaseORMException) as exc:
        raise Unreachable(f"cannot reach the database at {_without_password(database_url)}: "
                          f"{str(exc).strip() or type(exc).__name__}") from exc
    finally:
        await close()


def _without_password(database_url: str) -> str:
    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url
    host = f"{parts.username}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=host))


async def migrate(database_url: str) -> None:
    """Apply every pending migration (idempotent)."""
    from tortoise.migrations.api.migrate import migrate as tortoise_migrate

    await tortoise_migrate(config=tortoise_config(database_url))


async def init(database_url: str) -> None:
    # Tortoise caches insert statements per connection *name*, whatever the dialect: a process
    # that re-opens "default" on another database (the tests do) must drop them.
    EXECUTOR_CACHE.clear()
    # The global fallback lets every task of this process (requests, worker loops, tests) see
    # the one connection set, whichever task opened it.
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close() -> None:
    # Closes the connections and clears the global fallback context, so init() can run again.
    await sql.close()
    await Tortoise.close_connections()

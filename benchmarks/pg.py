"""A PostgreSQL database of a bench's own, created empty beside the one CRENEAU_TEST_POSTGRES_URL
names (the admin URL) and dropped afterwards, whatever connections are still open."""

from __future__ import annotations


async def _admin(admin_url: str, *statements: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def create_database(admin_url: str, name: str) -> str:
    """An empty database `name` (a leftover of an interrupted run dropped first); its URL."""
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return f"{admin_url.rpartition('/')[0]}/{name}"


async def drop_database(admin_url: str, name: str) -> None:
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""Every migration applies to a database that already holds rows, as a self-hosted practice's
does when it upgrades: the chain is walked one migration at a time, and before each step every
empty table gets a row (plain values in every NOT NULL column without a default, the parent
rows its foreign keys need). A column added NOT NULL without an SQL default is refused there by
SQLite and PostgreSQL alike, though a fresh database (the rest of the suite) never notices; a
data migration that only one database refuses (0014's address split on PostgreSQL) shows too."""

from __future__ import annotations

from pathlib import Path

import pytest

from creneau import database as db
from tests.conftest import POSTGRES_URL
from tests.migration_rows import Rows, empty_database, migrate


def _chain() -> list[str]:
    """Every migration of every app, in file order ("app.name"): `migrate` to one of them also
    applies what it depends on."""
    targets = []
    for label, (_, module) in db.APPS.items():
        folder = Path(__import__(module, fromlist=["_"]).__file__).parent
        targets += [f"{label}.{p.stem}" for p in sorted(folder.glob("[0-9]*.py"))]
    return targets


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="CRENEAU_TEST_POSTGRES_URL is not set"))])
def test_every_migration_applies_to_a_database_holding_rows(tmp_path, kind):
    filled: set[str] = set()
    with empty_database(kind, tmp_path) as url:
        for target in _chain():
            try:
                migrate(url, target)
            except Exception as error:  # name the migration that a database with rows refuses
                raise AssertionError(f"{target} fails on a database holding rows: {error}") from error
            with Rows(url) as rows:
                filled |= rows.fill_empty_tables()
        migrate(url)
    # The tables a practice fills from its first day were there at every later step.
    assert {"practice", "practitioner", "service", "opening_hours", "patient", "appointment",
            "outbox_message", "staff_user"} <= filled, filled

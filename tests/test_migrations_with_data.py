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


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="CRENEAU_TEST_POSTGRES_URL is not set"))])
def test_every_migration_applies_to_a_database_holding_rows(tmp_path, kind):
    filled: set[str] = set()
    applied: list[str] = []

    def fill(migration: str) -> None:
        applied.append(migration)
        with Rows(url) as rows:
            filled.update(rows.fill_empty_tables())

    with empty_database(kind, tmp_path) as url:
        try:
            migrate(url, after_each=fill)
        except Exception as error:  # name the migration that a database with rows refuses
            raise AssertionError(f"after {applied[-1:]}, the next migration fails on a database holding rows: "
                                 f"{error}") from error
    assert len(applied) == len(_migration_files()), applied  # one by one, each over rows
    # The tables a practice fills from its first day were there at every later step.
    assert {"practice", "practitioner", "service", "opening_hours", "patient", "appointment",
            "outbox_message", "staff_user"} <= filled, filled


def _migration_files() -> list[Path]:
    files: list[Path] = []
    for _, module in db.APPS.values():
        files += Path(__import__(module, fromlist=["_"]).__file__).parent.glob("[0-9]*.py")
    return files

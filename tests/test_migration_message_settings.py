"""Migration 0015 (issue 14 items 4 and 5) on a database that has data: a practice that had
opted in to naming services (practice.messages_show_service) keeps naming every one of its
services, the others name none; the practice's column is gone, and every practice starts at
the "minimal" SMS level."""

from __future__ import annotations

import pytest

from tests.conftest import requires_postgres
from tests.migration_rows import Rows, empty_database, migrate


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=requires_postgres)])
def test_a_practice_that_named_its_services_keeps_naming_them(tmp_path, kind):
    with empty_database(kind, tmp_path) as url:
        migrate(url, "portal.0014_profiles")
        with Rows(url) as rows:
            services = {}
            for slug, opted_in in (("opted-in", True), ("private", False)):
                practice = rows.insert("practice", slug=slug, messages_show_service=opted_in)
                practitioner = rows.insert("practitioner", slug=f"{slug}-p", practice_id=practice)
                services[slug] = [rows.insert("service", slug=f"s{n}", practitioner_id=practitioner,
                                              duration_minutes=30) for n in range(2)]
        migrate(url)
        with Rows(url) as rows:
            named = {id_: bool(value) for id_, value in rows.query("SELECT id, messages_name_service FROM service")}
            columns = {column.name for column in rows.columns("practice")}
            levels = {level for level, in rows.query("SELECT sms_detail FROM practice")}
    assert [named[i] for i in services["opted-in"]] == [True, True]
    assert [named[i] for i in services["private"]] == [False, False]
    assert "messages_show_service" not in columns and levels == {"minimal"}

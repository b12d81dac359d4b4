"""Migration 0007: the trail and the ledger stay append-only, except that an IP address may be
blanked (retention after 12 months, erasure); on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from portal.models import AuditEvent, ConsentRecord
from tests.builders import book, load_demo, paris, patient


async def test_only_blanking_the_ip_is_allowed(any_database, now):
    await load_demo()
    await book(paris(2026, 12, 1, 11), now, patient=patient())
    assert await AuditEvent.exclude(ip="").update(ip="") == 1
    assert await ConsentRecord.exclude(ip="").update(ip="") == 3
    for model in (AuditEvent, ConsentRecord):
        with pytest.raises(Exception, match="append-only"):
            await model.all().update(ip="198.51.100.1")  # an address may go, never come or change
        with pytest.raises(Exception, match="append-only"):
            await model.all().update(channel="other")
    with pytest.raises(Exception, match="append-only"):
        await ConsentRecord.all().update(granted=False, ip="")
    with pytest.raises(Exception, match="append-only"):  # migration 0016's column is guarded too
        await ConsentRecord.all().update(given_by="guardian")
    assert await ConsentRecord.filter(granted=True).count() == 3

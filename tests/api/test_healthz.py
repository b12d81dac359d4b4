"""GET /healthz (issue 12 item 7): database, migrations, outbox backlog; 503 names what fails."""

from datetime import datetime, timedelta

from tortoise import connections

from portal.models import OutboxMessage
from tests.api.test_bookings_api import body, frozen_clock  # noqa: F401 (fixture)

NOW = datetime.fromisoformat("2026-11-30T08:00:00+00:00")


async def test_healthy_with_the_outbox_backlog(client):
    assert (await client.post("/api/v1/bookings", json=body())).status_code == 201
    # The worker has not run: the confirmation e-mail and SMS are due; make one due for 5 minutes.
    first = await OutboxMessage.filter(kind="confirmation").order_by("id").first()
    await OutboxMessage.filter(id=first.id).update(due_at=NOW - timedelta(minutes=5))
    due = await OutboxMessage.filter(due_at__lte=NOW, status="pending").count()
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert response.json() == {"database": "ok", "migrations": "ok", "outbox": {"due": due, "oldest_due_s": 300}}


async def test_an_empty_outbox(client):
    assert (await client.get("/healthz")).json()["outbox"] == {"due": 0, "oldest_due_s": None}


async def test_a_pending_migration_answers_503_naming_it(client):
    conn = connections.get("default")
    rename = "UPDATE tortoise_migrations SET name = '{}' WHERE app = 'portal' AND name = '{}'"
    await conn.execute_script(rename.format("renamed", "0006_audit_trail"))
    try:
        response = await client.get("/healthz")
    finally:  # the PostgreSQL database serves the rest of the run
        await conn.execute_script(rename.format("0006_audit_trail", "renamed"))
    assert response.status_code == 503
    assert response.json()["migrations"] == {"pending": ["portal.0006_audit_trail"]}


async def test_an_unreachable_database_answers_503(tmp_path):
    """A PostgreSQL nobody listens on (port 9 of this machine): the probe fails fast, and says so."""
    import httpx2

    from creneau import database as db
    from creneau.app import create_app
    from tests.api.conftest import make_settings

    url = "postgres://creneau@127.0.0.1:9/creneau"
    await db.init(url)
    try:
        app = create_app(make_settings(url, tmp_path), manage_db=False, run_background=False)
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as client:
            response = await client.get("/healthz")
    finally:
        await db.close()
    assert response.status_code == 503 and response.json() == {"database": "unreachable"}

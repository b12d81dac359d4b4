"""GET /healthz for load balancers and monitoring: the database answers, every migration is
applied, and how far behind the outbox is. 503 names the failing part; the outbox figures are
information (a stuck worker must not take the web process out of rotation) to alert on."""

from __future__ import annotations

import logging
import pkgutil
from importlib import import_module

from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

from creneau.database import APPS
from portal import clock
from portal.messaging.outbox import backlog

log = logging.getLogger("creneau")


def migrations_on_disk() -> set[tuple[str, str]]:
    found = set()
    for label, (_, package) in APPS.items():
        module = import_module(package)
        found |= {(label, info.name) for info in pkgutil.iter_modules(module.__path__) if info.name[:4].isdigit()}
    return found


async def pending_migrations() -> list[str]:
    _, rows = await connections.get("default").execute_query('SELECT "app", "name" FROM "tortoise_migrations"')
    applied = {(row["app"], row["name"]) for row in rows}
    return sorted(f"{app}.{name}" for app, name in migrations_on_disk() - applied)


async def healthz(request: Request) -> JSONResponse:
    headers = {"Cache-Control": "no-store"}
    try:
        await connections.get("default").execute_query("SELECT 1")
    except Exception as exc:  # any failure to reach the database is the answer itself
        log.warning("healthz: database unreachable: %s", type(exc).__name__)
        return JSONResponse({"database": "unreachable"}, status_code=503, headers=headers)
    pending = await pending_migrations()
    due, oldest = await backlog(clock.utcnow())
    body = {"database": "ok", "migrations": "ok" if not pending else {"pending": pending},
            "outbox": {"due": due, "oldest_due_s": oldest}}
    return JSONResponse(body, status_code=503 if pending else 200, headers=headers)

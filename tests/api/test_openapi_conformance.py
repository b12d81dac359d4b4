"""The OpenAPI document is complete and true (issue 12 item 7, issue 10 item 2): every route is
documented with an operation id, and a bounded, seeded schemathesis run against a live server —
on SQLite and on PostgreSQL — finds no 5xx and no answer (status, body, header, content type)
that the document does not describe."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import httpx2
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.routing import Route

from creneau import database as db
from creneau.app import ROUTES, create_app
from portal.practice.demo import load_demo
from portal.web.api.openapi import openapi_document
from tests.builders import OSTEO, OSTEO_SERVICE
from tests.concurrency.server import live_server
from tests.conftest import requires_postgres

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
EXAMPLES = 25  # per operation and mode: a few hundred requests in all, a few seconds


def test_every_api_route_is_documented_with_an_operation_id():
    document = openapi_document("https://rdv.example.fr")
    served = {(route.path, method.lower()) for route in ROUTES if isinstance(route, Route)
              and (route.path.startswith("/api/") or route.path == "/healthz")
              for method in route.methods or () if method != "HEAD"}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert served == documented
    ids = [operation["operationId"] for item in document["paths"].values() for operation in item.values()]
    assert len(ids) == len(set(ids)) == len(documented)


def _prepare(url: str) -> None:
    async def run() -> None:
        try:
            if url.startswith("sqlite"):
                await db.migrate(url)
                await db.close()
            await db.init(url)
            if url.startswith("postgres"):
                from tests.conftest import _truncate_all

                await _truncate_all()
            await load_demo()
        finally:
            await db.close()

    # In a thread of its own: pytest-asyncio may have a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=requires_postgres)])
def server(request, tmp_path):
    url = f"sqlite://{tmp_path}/creneau.sqlite3" if request.param == "sqlite" else request.getfixturevalue(
        "postgres_database")
    _prepare(url)
    with live_server(url, tmp_path, workers=1, INLINE_WORKERS="0") as running:
        yield running.url


def _book(base: str) -> str:
    slots = requests.get(f"{base}/api/v1/practitioners/{OSTEO}/slots", params={"service": OSTEO_SERVICE},
                         timeout=10).json()["slots"]
    notice = requests.get(f"{base}/api/v1/privacy-notice", timeout=10).json()
    answer = requests.post(f"{base}/api/v1/bookings", timeout=10, json={
        "practitioner": OSTEO, "service": OSTEO_SERVICE, "start": slots[-1]["start"],
        "patient": {"first_name": "Élise", "last_name": "Durand", "email": "elise@example.org",
                    "phone": "06 12 34 56 78", "birth_date": "1987-04-12"},
        "consents": {"privacy_notice": notice["version"], "sms_reminders": True}})
    assert answer.status_code == 201, answer.text
    return answer.json()["manage_url"].rsplit("/", 1)[1]


def _run(operation, base: str, mode, **fixed) -> None:
    strategy = operation.as_strategy(generation_mode=mode, **fixed)

    @hypothesis_settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case) -> None:
        case.call_and_validate(base_url=base, checks=CHECKS, timeout=10)

    try:
        check()
    except Unsatisfiable:
        # Negative mode over parameters that are any string (a query string is always text):
        # schemathesis has nothing invalid to send; the positive run covers them.
        if mode != schemathesis.GenerationMode.NEGATIVE:
            raise


def test_real_answers_match_the_document(server):
    schema = schemathesis.openapi.from_dict(openapi_document(server))
    token = _book(server)
    known = {"listSlots": {"path_parameters": {"slug": OSTEO}},
             "getBooking": {"path_parameters": {"token": token}},
             "rescheduleBooking": {"path_parameters": {"token": token}},
             "cancelBooking": {"path_parameters": {"token": token}},
             "confirmBooking": {"path_parameters": {"token": token}}}
    for result in schema.get_all_operations():
        operation = result.ok()
        raw = operation.definition.raw
        # Negative cases need something to spoil: a parameter or a body.
        modes = [schemathesis.GenerationMode.POSITIVE]
        if raw.get("parameters") or raw.get("requestBody"):
            modes.append(schemathesis.GenerationMode.NEGATIVE)
        for mode in modes:
            _run(operation, server, mode)
            if raw.get("operationId") in known:
                _run(operation, server, mode, **known[raw["operationId"]])


# A NUL byte in every kind of string input: the generated run above rarely draws one, and
# PostgreSQL refuses it inside the driver (CharacterNotInRepertoireError) where SQLite does not.
NUL = "a\x00b"
NUL_CASES = [
    ("/api/v1/practitioners/{slug}/slots", "GET", {"path_parameters": {"slug": NUL}, "query": {"service": "x"}}),
    ("/api/v1/practitioners/{slug}/slots", "GET", {"path_parameters": {"slug": OSTEO}, "query": {"service": NUL}}),
    ("/api/v1/practitioners", "GET", {"query": {"practice": NUL}}),
    ("/api/v1/bookings/{token}", "GET", {"path_parameters": {"token": NUL}}),
    ("/api/v1/bookings/{token}/cancel", "POST", {"path_parameters": {"token": NUL}}),
    ("/api/v1/bookings", "POST", {"body": {"practitioner": NUL, "service": NUL, "start": "2026-12-01T11:00:00+01:00",
                                           "patient": {}, "consents": {"privacy_notice": NUL}}}),
]


async def test_nul_bytes_answer_4xx_as_documented(any_database, tmp_path):
    from tests.api.conftest import make_settings
    from tests.builders import load_demo

    await load_demo()
    app = create_app(make_settings(any_database, tmp_path), manage_db=False, run_background=False)
    schema = schemathesis.openapi.from_dict(openapi_document("http://testserver"))
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for path, method, parts in NUL_CASES:
            case = schema[path][method].Case(**parts)
            response = await client.request(method, quote(case.formatted_path, safe="/"), params=case.query,
                                            json=None if case.body is schemathesis.core.NOT_SET else case.body)
            assert response.status_code < 500, (path, parts, response.status_code)
            case.validate_response(response, checks=CHECKS)

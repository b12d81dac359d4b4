"""An unexpected error: a plain answer with the security headers, and no token in the log."""

import httpx2
from starlette.routing import Route

from creneau.app import create_app
from tests.api.conftest import make_settings


async def boom(request):
    raise RuntimeError("unexpected")


async def test_unexpected_errors_answer_500_with_headers_and_no_secret_in_the_log(database, tmp_path, caplog):
    app = create_app(make_settings(database, tmp_path), manage_db=False, run_background=False)
    app.router.routes.insert(0, Route("/b/{token}/boom", boom))
    app.router.routes.insert(0, Route("/api/v1/bookings/{token}/boom", boom))
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://t") as client:
        page = await client.get("/b/SECRET-TOKEN/boom")
        api = await client.get("/api/v1/bookings/SECRET-TOKEN/boom")
    assert page.status_code == 500 and "Traceback" not in page.text and "unexpected" not in page.text
    assert api.status_code == 500 and api.json()["error"]["code"] == "internal_error"
    for response in (page, api):
        assert "frame-ancestors" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "unhandled error on GET /b/…/boom" in logged and "SECRET-TOKEN" not in logged

"""Every request body is bounded before it is read (issue 10, item 1): a body over
MAX_REQUEST_BYTES answers 413 whether or not it declares its length, JSON endpoints take only
application/json (415), and JSON nested absurdly deep is a 4xx, never a 500."""

import json

import pytest

from tests.api.conftest import make_settings  # noqa: F401  (the client fixture's settings)

LIMIT = 16 * 1024
BODY_ROUTES = [
    "/api/v1/bookings",
    "/api/v1/bookings/any-token/reschedule",
    "/webhooks/vonage/delivery",
    "/webhooks/vonage/inbound",
    "/p/camille-martin/book",
    "/b/any-token/move",
    "/b/any-token/cancel",
    "/b/any-token/reminders",
]


@pytest.fixture
def api_env() -> dict:
    return {"MAX_REQUEST_BYTES": str(LIMIT)}


class Stream:
    """A chunked body with no Content-Length that counts what the server pulled from it."""

    def __init__(self, total: int, chunk: int = 4096):
        self.total, self.chunk, self.pulled = total, chunk, 0

    async def __aiter__(self):
        while self.pulled < self.total:
            self.pulled += self.chunk
            yield b"{" * self.chunk


@pytest.mark.parametrize("path", BODY_ROUTES)
async def test_a_declared_oversized_body_is_refused_with_413(client, path):
    content_type = "application/x-www-form-urlencoded" if not path.startswith("/api/") else "application/json"
    response = await client.post(path, content=b"x" * (LIMIT + 1), headers={"content-type": content_type})
    assert response.status_code == 413
    if path.startswith(("/api/", "/webhooks/")):
        assert response.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("path", BODY_ROUTES)
async def test_an_undeclared_oversized_body_is_cut_off_once_past_the_limit(client, path):
    body = Stream(total=50 * LIMIT)
    content_type = "application/x-www-form-urlencoded" if not path.startswith("/api/") else "application/json"
    response = await client.post(path, content=body, headers={"content-type": content_type})
    assert response.status_code == 413
    assert body.pulled <= LIMIT + 2 * body.chunk  # the server stopped reading, it did not buffer 800 KiB


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
@pytest.mark.parametrize("path", ["/api/v1/bookings", "/api/v1/bookings/any-token/reschedule"])
async def test_json_endpoints_take_only_json(client, path, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(path, content=json.dumps({"start": "2026-12-01T09:00:00+01:00"}), headers=headers)
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


async def test_json_with_a_charset_is_still_json(client):
    response = await client.post("/api/v1/bookings", content=b"{}",
                                 headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/api/v1/bookings", "/api/v1/bookings/any-token/reschedule",
                                  "/webhooks/vonage/delivery", "/webhooks/vonage/inbound"])
@pytest.mark.parametrize("depth", [40, 1000, 5000])
async def test_deeply_nested_json_is_a_client_error(client, path, depth):
    body = b'{"a":' * depth + b"1" + b"}" * depth
    response = await client.post(path, content=body, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text

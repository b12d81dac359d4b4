"""portal.web.request_body.read_form refuses unstorable text (a NUL, a lone surrogate) with a
message per field; an upload sent beside it, spooled to a temporary file, is closed then, not
left open until the request ends (the photo upload form holds one of up to 2 MB)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from portal.errors import FieldErrors
from portal.web.request_body import read_form

BOUNDARY = "xyz"


def _multipart(text: str) -> bytes:
    return (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\n{text}\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n").encode() + b"\xff\xd8" * 100 + f"\r\n--{BOUNDARY}--\r\n".encode()


def _request(body: bytes) -> Request:
    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [
        (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
        (b"content-length", str(len(body)).encode())], "query_string": b""}
    return Request(scope, receive)


async def test_a_refused_form_closes_the_upload_beside_it():
    request = _request(_multipart("bonjour\x00"))
    with pytest.raises(FieldErrors) as refused:
        await read_form(request)
    assert list(refused.value.fields) == ["note"]
    assert request._form is not None and request._form["photo"].file.closed


async def test_an_accepted_form_keeps_its_upload_open_for_the_view():
    form = await read_form(_request(_multipart("bonjour")))
    assert not form["photo"].file.closed and await form["photo"].read() == b"\xff\xd8" * 100
    await form.close()

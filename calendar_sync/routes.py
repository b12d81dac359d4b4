"""`GET /feeds/{token}.ics`: the practitioner's private agenda feed. The route checks the token,
answers 304 from cheap aggregates when it can, and otherwise serves the pure builder's text."""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from calendar_sync import feed_query
from calendar_sync.feed import FeedWindow, build_feed
from calendar_sync.models import FeedToken
from portal.db import retry_locked
from portal.web import client_ip, request_ctx

log = logging.getLogger("calendar_sync.feed")
# last_used_at is informative: writing it on every fetch would make each poll a write.
LAST_USED_RESOLUTION = timedelta(hours=1)
PRIVATE_HEADERS = {
    # Revalidate every time (a 304 is cheap); keep shared caches and search engines out.
    "Cache-Control": "private, no-cache",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def _not_found() -> Response:
    return Response("Not found\n", status_code=404, media_type="text/plain", headers=PRIVATE_HEADERS)


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §13.1.2): proxies may have turned our tag into W/"…".
    return etag in {tag.strip().removeprefix("W/") for tag in header.split(",")}


async def feed(request: Request) -> Response:
    now = request_ctx(request).now
    access = await feed_query.resolve_token(request.path_params["token"])
    if access is None:
        return _not_found()
    settings = request.app.state.settings
    subject = await feed_query.load_subject(access, settings.base_url)
    window = FeedWindow.around(now)
    etag = await feed_query.feed_etag(subject, window)
    headers = {**PRIVATE_HEADERS, "ETag": etag}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        response = Response(status_code=304, headers=headers)
    else:
        appointments = await feed_query.load_appointments(subject, window)
        body = build_feed(subject.settings, window, appointments).encode()
        headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
        response = Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
    # Who read the feed and when, never the token itself (it is the secret).
    log.info("feed fetched token_id=%s practitioner_id=%s level=%s client=%s agent=%r status=%s",
             access.token_id, access.practitioner_id, access.level.value, client_ip(request),
             request.headers.get("user-agent", "")[:120], response.status_code)
    await _touch(access, now)
    return response


async def _touch(access: feed_query.FeedAccess, now) -> None:
    if access.last_used_at is not None and now - access.last_used_at < LAST_USED_RESOLUTION:
        return
    await retry_locked(lambda: FeedToken.filter(id=access.token_id).update(last_used_at=now))


routes = [Route("/feeds/{token}.ics", feed, methods=["GET", "HEAD"], name="calendar_feed")]

"""Security headers on every response (a route may set its own stricter Referrer-Policy), and
`Cache-Control: no-store` with `Referrer-Policy: no-referrer` on every answer that carries a
secret token: whatever the route or its outcome (errors included), a manage link or a booking
must not be kept by a browser's history cache, a shared proxy or a CDN."""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(frame_ancestors: str) -> str:
    # Everything from Créneau itself; no inline script or style, no third party.
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


def security_headers(frame_ancestors: str = "'self'", https: bool = False) -> dict[str, str]:
    headers = {
        "content-security-policy": content_security_policy(frame_ancestors),
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        "cross-origin-opener-policy": "same-origin",
    }
    if https:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    return headers


# Paths whose URL is a secret (manage links, the privacy centre); feeds (/feeds/{token}.ics) keep
# their own "private, no-cache": calendar clients revalidate them with ETag.
_SECRET_PATH = re.compile(r"^(/b/|/api/v1/bookings/|/privacy/c/)[^/?]+")
# POST /api/v1/bookings answers with the manage link; a page redirect may point at it.
_SECRET_ANSWER_PATHS = ("/api/v1/bookings",)
_SECRET_LOCATION = re.compile(r"(^|//[^/]+)(/b/|/privacy/c/)[^/?]+")


def carries_secret(path: str, location: str = "") -> bool:
    return bool(_SECRET_PATH.match(path) or path in _SECRET_ANSWER_PATHS or _SECRET_LOCATION.search(location))


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, frame_ancestors: str = "'self'", https: bool = False):
        self.app = app
        self.headers = security_headers(frame_ancestors, https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if carries_secret(scope["path"], headers.get("location", "")):
                    headers["cache-control"] = "no-store"
                    headers["referrer-policy"] = "no-referrer"
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

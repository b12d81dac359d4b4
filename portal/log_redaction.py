"""Keep secret tokens out of access logs.

uvicorn's access log prints each request's path, and some paths are secrets: manage links
(`/b/{token}`, `/api/v1/bookings/{token}`, the SMS's `/r/{code}`), feed URLs (`/feeds/{token}.ics`),
privacy-centre, unsubscribe and staff invitation links; and the back-office's patient searches
carry what was typed (`?q=`: a name, a phone number). The filter rewrites the path argument
before the line is formatted.
"""

from __future__ import annotations

import logging
import re

_SECRET_PATHS = re.compile(r"^(/b/|/api/v1/bookings/|/feeds/|/privacy/c/|/privacy/confirm/|/r/|/u/|"
                           r"/admin/invitation/)[^/?.]+")
# What staff type to find a patient (/admin/patients, /admin/book): a name, a phone, an address.
_SEARCH_TEXT = re.compile(r"([?&]q=)[^&#]*")


def redact_path(path: str) -> str:
    path = _SECRET_PATHS.sub(r"\1…", path)
    return _SEARCH_TEXT.sub(r"\1…", path) if path.startswith("/admin") else path


class RedactSecretPaths(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn: (client address, method, path with query, HTTP version, status code)
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def install(logger_name: str = "uvicorn.access") -> None:
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, RedactSecretPaths) for existing in logger.filters):
        logger.addFilter(RedactSecretPaths())

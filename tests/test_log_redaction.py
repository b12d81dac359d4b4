"""No secret token reaches the access log."""

import logging

import pytest

from portal.log_redaction import RedactSecretPaths


@pytest.mark.parametrize(("path", "logged"), [
    ("/feeds/SECRET.ics", "/feeds/….ics"),
    ("/b/SECRET?new=1", "/b/…?new=1"),
    ("/b/SECRET/calendar.ics", "/b/…/calendar.ics"),
    ("/api/v1/bookings/SECRET/cancel", "/api/v1/bookings/…/cancel"),
    ("/api/v1/bookings", "/api/v1/bookings"),
    ("/p/camille-martin?week=2026-12-07", "/p/camille-martin?week=2026-12-07"),
    # The SMS's short link opens the manage page; the unsubscribe link withdraws a consent; an
    # invitation link creates a staff account: each is a bearer secret too.
    ("/r/1a2b3cSECRET", "/r/…"),
    ("/u/e1a2bSECRET", "/u/…"),
    ("/admin/invitation/SECRET", "/admin/invitation/…"),
    # What staff type to find a patient (a name, a phone number) stays out of the log.
    ("/admin/patients?q=Lefebvre%2006%2012", "/admin/patients?q=…"),
    ("/admin/book?practitioner=3&q=elise.durand%40example.org&date=2026-12-03",
     "/admin/book?practitioner=3&q=…&date=2026-12-03"),
    ("/admin/agenda?view=week&date=2026-12-07", "/admin/agenda?view=week&date=2026-12-07"),
])
def test_access_log_lines_hide_tokens(path, logged):
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", path, "1.1", 200), None)
    RedactSecretPaths().filter(record)
    assert record.getMessage() == f'127.0.0.1:5000 - "GET {logged} HTTP/1.1" 200'

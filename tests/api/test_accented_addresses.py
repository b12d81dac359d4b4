"""Issue 12 item 1 at the API: with an SMTP server that lacks SMTPUTF8, an accented mailbox is
refused at booking with a message in the caller's language; an accented domain books."""

import pytest

from portal.models import Appointment
from tests.api.test_bookings_api import body, frozen_clock  # noqa: F401 (fixture)
from tests.builders import patient


@pytest.fixture
def api_env():
    return {"EMAIL_BACKEND": "smtp", "SMTP_HOST": "127.0.0.1", "MAIL_FROM": "Cabinet <rdv@cabinet-des-lilas.fr>"}


async def test_an_undeliverable_mailbox_is_refused_not_accepted(client):
    refused = await client.post("/api/v1/bookings", json=body(patient=patient(email="zoé@exämple.fr")),
                                headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["patient.email"].startswith("Our e-mail service cannot yet deliver")
    assert await Appointment.all().count() == 0
    booked = await client.post("/api/v1/bookings", json=body(patient=patient(email="zoe@exämple.fr")))
    assert booked.status_code == 201

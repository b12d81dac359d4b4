"""Issue 12 item 5: SMS always go, in one segment, and say only what works. With a long BASE_URL
the confirmation and move SMS used to exceed one segment and were never sent."""

import random
import subprocess
import sys
from datetime import timedelta

import httpx2
import pytest

from creneau.app import create_app
from notifier import gsm
from notifier.channels.vonage import VonageChannel
from notifier.render import check_sms_fits, render
from notifier.worker import drain_once
from portal.booking.manage import reschedule_appointment
from portal.models import OutboxMessage
from portal.settings import ConfigError
from tests.builders import PARIS, book, load_demo, paris, patient_ctx
from tests.notifier.conftest import make_settings
from tests.notifier.test_render import context

LONG_BASE_URL = "https://rendez-vous.cabinet-des-lilas-paris.fr"


async def test_a_long_base_url_still_sends_one_segment_sms_whose_link_opens_the_booking(database, tmp_path, channels,
                                                                                        clock, now, vonage_stub):
    settings = make_settings(database, tmp_path, base_url=LONG_BASE_URL)
    await load_demo()
    result = await book(paris(2026, 12, 1, 11), now)
    sms = VonageChannel("key", "secret", rest_host=vonage_stub.host, timeout=5)
    stats = await drain_once(settings, {"email": channels["email"], "sms": sms}, now=clock, rng=random.Random(3))
    assert stats.outcomes == {"sent": 3}
    await reschedule_appointment(patient_ctx(clock()), result.manage_token, paris(2026, 12, 2, 11).isoformat())
    stats = await drain_once(settings, {"email": channels["email"], "sms": sms}, now=clock, rng=random.Random(3))
    assert stats.outcomes.get("sent", 0) >= 1 and not stats.outcomes.get("failed")
    texts = [request["text"] for request in vonage_stub.requests]
    assert len(texts) == 2 and all(gsm.fits_one_segment(text) for text in texts), texts
    assert "déplacé" in texts[1] or "deplace" in texts[1]
    link = texts[0].rsplit(" ", 1)[1]
    assert link.startswith(f"{LONG_BASE_URL}/r/") and len(link.rsplit("/", 1)[1]) >= 22  # 128-bit MAC + id
    assert await OutboxMessage.filter(channel="sms", status="failed").count() == 0
    # The short link opens the manage page; a forged one opens nothing.
    app = create_app(settings, manage_db=False, run_background=False)
    async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=LONG_BASE_URL) as client:
        opened = await client.get(link.removeprefix(LONG_BASE_URL))
        assert opened.status_code == 303 and opened.headers["location"] == f"/b/{result.manage_token}"
        assert opened.headers["referrer-policy"] == "no-referrer"
        forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
        assert (await client.get(forged.removeprefix(LONG_BASE_URL))).status_code == 404


def test_start_up_refuses_a_base_url_no_sms_can_carry(tmp_path):
    check_sms_fits(LONG_BASE_URL)
    too_long = "https://" + "rendez-vous-" * 9 + "cabinet.fr"
    with pytest.raises(ConfigError, match="^BASE_URL: too long for SMS links"):
        check_sms_fits(too_long)
    run = subprocess.run([sys.executable, "-m", "creneau.cli", "migrate"], capture_output=True, text=True, timeout=60,
                         env={"BASE_URL": too_long, "CRENEAU_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 2 and "BASE_URL: too long for SMS links" in run.stderr


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_reply_stop_only_from_a_number(locale):
    numeric = render("reminder", context(stop_by_reply=True), locale, PARIS, channel="sms").text
    named = render("reminder", context(stop_by_reply=False), locale, PARIS, channel="sms").text
    assert "STOP" in numeric and gsm.fits_one_segment(numeric)
    # An alphanumeric sender cannot be answered: the link is where reminders stop.
    assert "STOP" not in named and ("stop rappels" in named or "stop reminders" in named)


def test_a_long_practice_name_is_shortened_not_dropped():
    long_names = context(practice={"name": "Cabinet pluridisciplinaire de kinésithérapie et d'ostéopathie du parc",
                                   "address": "", "phone": ""},
                         manage_url_short=f"{LONG_BASE_URL}/r/3k7" + "x" * 22, start=context()["start"] + timedelta(0))
    for kind in ("confirmation", "reminder", "moved", "cancelled"):
        text = render(kind, long_names, "fr", PARIS, channel="sms").text
        assert gsm.fits_one_segment(text)
        if kind != "cancelled":
            assert text.endswith(f"{LONG_BASE_URL}/r/3k7" + "x" * 22) or "STOP" in text

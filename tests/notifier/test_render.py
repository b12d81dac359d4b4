"""Pure rendering: dates in French and English, SMS rules, safe headers, the .ics invitation."""

from datetime import UTC, datetime
from email import message_from_bytes, policy as email_policy
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from notifier import gsm
from notifier.errors import RenderError
from notifier.mime import Envelope, compose
from notifier.render import RenderedEmail, render
from portal.booking.calendar_event import AppointmentEvent, build_calendar

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # 11 h 00 in Paris


def context(**overrides) -> dict:
    data = {
        "practice": {"name": "Cabinet des Lilas", "address": "12 rue des Lilas, 75019 Paris", "phone": "+33142000000"},
        "practitioner": {"name": "Camille Martin", "profession": "Ostéopathe"},
        "patient": {"civility": "mme", "first_name": "Élise", "last_name": "Durand", "email": "e@example.org",
                    "phone": "+33612345678"},
        "start": START, "end": START.replace(minute=45), "service": None,
        "manage_url": "https://rdv.example.fr/b/" + "x" * 43, "cancelled_by": "patient",
        "manage_url_short": "https://rdv.example.fr/r/1a" + "x" * 22,
    }
    data.update(overrides)
    return data


def test_french_and_english_dates():
    fr = render("confirmation", context(), "fr", PARIS)
    assert fr.subject == "Rendez-vous confirmé : mardi 1 décembre 2026 à 11 h 00"
    assert "Déplacer ou annuler" in fr.html and "https://rdv.example.fr/b/" in fr.text
    en = render("reminder", context(), "en", PARIS)
    # The pages' format (portal.formatting); the subject line folds the no-break spaces.
    assert en.subject == "Reminder: appointment on Tuesday 1 December 2026 at 11:00 AM"


def test_html_escapes_names():
    rendered = render("confirmation", context(practitioner={"name": "<script>x</script>", "profession": ""}), "fr", PARIS)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html


@pytest.mark.parametrize("kind", ["confirmation", "reminder", "moved", "cancelled"])
@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("level", ["minimal", "standard", None])
def test_sms_is_one_gsm7_segment_without_health_details(kind, locale, level):
    sms = render(kind, context(sms_detail=level), locale, PARIS, channel="sms")
    assert gsm.fits_one_segment(sms.text), sms.text
    assert "Élise" not in sms.text and "Durand" not in sms.text  # no patient name
    assert "Ostéopathe" not in sms.text and "Osteopathe" not in sms.text  # never the profession
    assert "Cabinet des Lilas" in sms.text
    # The practitioner's name only at the "standard" level (no level said: "minimal").
    assert ("Camille Martin" in sms.text) == (level == "standard")
    if kind != "cancelled":
        assert "https://rdv.example.fr/r/1a" in sms.text


def test_sms_names_the_service_only_when_the_practice_opted_in():
    hidden = render("reminder", context(service=None), "fr", PARIS, channel="sms").text
    shown = render("reminder", context(service="Bilan"), "fr", PARIS, channel="sms").text
    assert "Bilan" not in hidden and "Bilan" in shown


def test_sms_folds_accents_and_shortens_or_refuses():
    long_name = context(practice={"name": "Cabinet pluridisciplinaire de la Forêt", "address": "", "phone": ""},
                        practitioner={"name": "Marie-Hélène Œuvrard-Lefèvre", "profession": ""}, sms_detail="standard")
    sms = render("confirmation", long_name, "fr", PARIS, channel="sms").text
    assert gsm.fits_one_segment(sms) and "OEuvrard" in sms and "ê" not in sms
    huge = context(practitioner={"name": "N" * 150, "profession": ""}, sms_detail="standard")
    assert "N" * 21 not in render("confirmation", huge, "fr", PARIS, channel="sms").text  # shortened, still sent
    with pytest.raises(RenderError):  # what the start-up check (check_sms_fits) refuses to run with
        render("confirmation", context(manage_url_short="https://" + "x" * 150), "fr", PARIS, channel="sms")


def test_gsm7_counts_extension_characters_twice():
    assert gsm.septets("€") == 2 and gsm.fold("ça “va” ?") == "ca \"va\" ?"


def test_a_line_break_in_a_name_adds_no_header_and_no_recipient():
    envelope = Envelope(
        row_id=7, host="rdv.example.fr", from_name="Cabinet\r\nBcc: victim@evil.example", from_addr="no-reply@rdv.example.fr",
        to_name="Élise\nCc: other@evil.example", to_addr="e@example.org", reply_to="contact@cabinet.example",
        list_unsubscribe="https://rdv.example.fr/b/t\r\nX-Evil: 1",
    )
    rendered = RenderedEmail("Sujet\r\nBcc: x@evil.example", "texte", "<p>html</p>")
    outgoing = compose(envelope, rendered, datetime(2026, 11, 30, 8, tzinfo=UTC))
    parsed = message_from_bytes(outgoing.message.as_bytes(), policy=email_policy.default)
    assert outgoing.recipients == ("e@example.org",)
    assert parsed["Bcc"] is None and parsed["Cc"] is None and parsed["X-Evil"] is None
    assert [a.addr_spec for a in parsed["To"].addresses] == ["e@example.org"]
    assert parsed["Message-ID"] == "<outbox-7@rdv.example.fr>"
    assert parsed["List-Unsubscribe"].startswith("<https://rdv.example.fr/b/t")


def test_invitation_uid_sequence_and_method():
    event = AppointmentEvent(
        appointment_id=42, host="rdv.example.fr", version=3, start=START, end=START.replace(minute=45),
        tz_name="Europe/Paris", summary="Rendez-vous avec Camille Martin", location="Cabinet des Lilas",
        organizer=("contact@cabinet.example", "Cabinet"), attendee=("e@example.org", "Élise Durand"),
    )
    stamp = datetime(2026, 11, 30, 8, tzinfo=UTC)
    for method, status in (("REQUEST", "CONFIRMED"), ("CANCEL", "CANCELLED")):
        calendar = Calendar.from_ical(build_calendar(event, stamp, method))
        vevent = calendar.walk("VEVENT")[0]
        assert str(calendar["METHOD"]) == method and str(vevent["STATUS"]) == status
        assert str(vevent["UID"]) == "appointment-42@rdv.example.fr" and int(vevent["SEQUENCE"]) == 3
        assert vevent["DTSTART"].dt == START and vevent["DTSTART"].params["TZID"] == "Europe/Paris"
        assert vevent["DTSTAMP"].dt == stamp
        assert len(calendar.walk("VTIMEZONE")) == 1

"""Previews of the messages a patient receives (issue 14 item 5), made by the worker's own code:
a sample appointment of the practice ("Camille Exemple", a week ahead at 10:30) is put in a
`Batch` the way `notifier.context.load_batch` would have read it, and every message goes
through `notifier.outgoing.build`, the function the worker sends from. Nothing is written to
the database and nothing is sent: what the page shows is the message, headers decoded.

So the preview follows every setting the worker follows: the service's naming switch, the
practice's SMS detail level, its sender (the STOP wording), its reminder offsets.
"""

from __future__ import annotations

import email
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from email import policy as email_policy
from email.header import decode_header, make_header
from zoneinfo import ZoneInfo

from notifier import gsm
from notifier.context import PATIENT_FIELDS, PRACTICE_FIELDS, PRACTITIONER_FIELDS, SERVICE_FIELDS, Batch, as_sent
from notifier.messages import OutgoingEmail, OutgoingSms
from notifier.outgoing import Identity, build
from portal import links

SAMPLE_APPOINTMENT_ID = 4821  # realistic: the SMS's short link carries the id in base 36
SAMPLE_PATIENT = {"id": 0, "civility": "mme", "first_name": "Camille", "last_name": "Exemple",
                  "email": "camille.exemple@example.org", "phone": "+33612345678", "restricted_at": None}
# (section, message kind, status of the appointment when it is sent)
SECTIONS = (
    ("confirmation", "confirmation", "not_filled"),
    ("reminder", "reminder", "not_filled"),
    ("moved", "moved", "not_filled"),
    ("cancelled", "cancelled", "cancelled_by_patient"),
    ("cancelled_by_practice", "cancelled", "cancelled_by_practitioner"),
)
CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class Sample:
    """The appointment a preview is made for. The defaults are the fake patient; a test passes a
    real appointment's id, token and patient to compare with what the worker sent for it."""

    start: datetime
    appointment_id: int = SAMPLE_APPOINTMENT_ID
    manage_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    patient: dict = field(default_factory=lambda: dict(SAMPLE_PATIENT))


@dataclass(frozen=True)
class Preview:
    channel: str
    text: str
    subject: str = ""
    html: str = ""
    count: gsm.Count | None = None  # SMS only


@dataclass(frozen=True)
class Section:
    name: str  # one of SECTIONS' names
    email: Preview | None
    sms: Preview | None
    offsets: dict[str, list[int]]  # reminders: hours before, per channel


def sample_start(now: datetime, timezone: str) -> datetime:
    """A week from today at 10:30 in the practice's time zone."""
    tz = ZoneInfo(timezone)
    day = now.astimezone(tz).date() + timedelta(days=7)
    return datetime.combine(day, time(10, 30), tzinfo=tz)


def values_of(instance: object, names: tuple[str, ...]) -> dict:
    """A model instance as the worker's `.values()` reads give it."""
    return {name: getattr(instance, name) for name in names}


def sample_batch(practice: dict, practitioner: dict, service: dict, duration_minutes: int, sample: Sample,
                 locale: str, secret_key: str, *, status: str, moved: bool) -> Batch:
    start = sample.start
    appointment = {
        "id": sample.appointment_id, "practice_id": practice["id"], "practitioner_id": practitioner["id"],
        "service_id": service["id"], "patient_id": sample.patient["id"], "starts_at": start,
        "ends_at": start + timedelta(minutes=duration_minutes), "status": status, "sms_reminder": True,
        "email_reminder": True, "version": 2 if moved else 1, "locale": locale,
        "manage_token_sealed": links.seal_manage_token(sample.manage_token, secret_key),
        "contact_phone": sample.patient["phone"],
        "previous_starts_at": start - timedelta(days=1) if moved else None, "confirm_code_sealed": None,
    }
    patient = {**{name: sample.patient.get(name) for name in PATIENT_FIELDS}, "locale": locale}
    return Batch(appointments={appointment["id"]: appointment}, patients={patient["id"]: patient},
                 practices={practice["id"]: practice}, practitioners={practitioner["id"]: practitioner},
                 services={service["id"]: service},
                 consents={patient["id"]: {"email_reminders": True, "sms_reminders": True}})


def preview_of(message: OutgoingEmail | OutgoingSms) -> Preview:
    """What the recipient reads: an e-mail parsed back from its bytes, an SMS with its cost."""
    if isinstance(message, OutgoingSms):
        return Preview("sms", message.text, count=gsm.count(message.text))
    parsed = email.message_from_bytes(message.message.as_bytes(), policy=email_policy.default)
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    subject = str(make_header(decode_header(message.message["Subject"])))
    return Preview("email", text.get_content() if text else "", subject=subject,
                   html=html.get_content() if html else "")


def render_previews(practice: object, practitioner: object, service: object, locale: str, identity: Identity,
                    now: datetime, sample: Sample | None = None) -> list[Section]:
    """Every message the patient of `sample` receives, per section and channel, in `locale`."""
    practice_values = as_sent(values_of(practice, PRACTICE_FIELDS))
    practitioner_values = values_of(practitioner, PRACTITIONER_FIELDS)
    service_values = values_of(service, SERVICE_FIELDS)
    duration = int(getattr(service, "duration_minutes", 30))
    sample = sample or Sample(sample_start(now, practice_values["timezone"]))
    identity = replace(identity, dkim=None)  # a preview is never signed: it is not sent
    policy = getattr(practice, "reminder_policy", None) or {}
    offsets = {channel: sorted(policy.get(channel, []), reverse=True) for channel in CHANNELS}
    sections = []
    for name, kind, status in SECTIONS:
        batch = sample_batch(practice_values, practitioner_values, service_values, duration, sample, locale,
                             identity.secret_key, status=status, moved=kind == "moved")
        found: dict[str, Preview | None] = {}
        for channel in CHANNELS:
            if kind == "reminder" and not offsets[channel]:
                found[channel] = None  # no reminder on this channel
                continue
            row = {"id": 0, "appointment_id": sample.appointment_id, "practice_id": practice_values["id"],
                   "kind": kind, "channel": channel, "audience": "patient", "created_at": "",
                   "appointment_version": batch.appointments[sample.appointment_id]["version"]}
            found[channel] = preview_of(build(row, batch, identity, now))
        sections.append(Section(name, found["email"], found["sms"], offsets if kind == "reminder" else {}))
    return sections

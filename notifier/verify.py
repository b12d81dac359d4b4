"""The code of a held booking (portal.booking.confirm): by e-mail with a link to confirm, by SMS
as six digits. The first and only message to an unproven contact: it says who asked, what to
do, and that ignoring it releases the slot. Built here, not from the patient templates: it
carries no appointment details beyond the practice's name."""

from __future__ import annotations

from datetime import datetime
from html import escape

from notifier import gsm, mime
from notifier.context import Batch, manage_link
from notifier.errors import PermanentSendError
from notifier.messages import OutgoingEmail, OutgoingSms
from notifier.outgoing import Identity
from notifier.render import RenderedEmail
from portal.booking.confirm import HOLD, code_of
from portal.messaging.plan import VERIFY

MINUTES = int(HOLD.total_seconds() // 60)
SMS = {
    "fr": "{practice} : votre code de confirmation de rendez-vous est {code}. Sans confirmation sous {minutes} min, "
          "le creneau est libere.",
    "en": "{practice}: your appointment confirmation code is {code}. Unless confirmed within {minutes} min, "
          "the slot is released.",
}
SUBJECT = {"fr": "Confirmez votre rendez-vous (code {code})", "en": "Confirm your appointment (code {code})"}
BODY = {
    "fr": "Bonjour,\n\nUn rendez-vous a été demandé en ligne chez {practice} avec cette adresse. Pour le "
          "confirmer, ouvrez ce lien dans les {minutes} minutes :\n\n{link}\n\nou saisissez le code {code} sur la "
          "page de réservation.\n\nSi vous n'avez rien demandé, ignorez ce message : le créneau sera libéré et "
          "vous ne recevrez rien d'autre.\n",
    "en": "Hello,\n\nAn appointment at {practice} was requested online with this address. To confirm it, open "
          "this link within {minutes} minutes:\n\n{link}\n\nor type the code {code} on the booking page.\n\nIf you "
          "asked for nothing, ignore this message: the slot will be released and you will receive nothing else.\n",
}


def is_verify(row: dict) -> bool:
    return row["kind"] == VERIFY


def build(row: dict, batch: Batch, identity: Identity, now: datetime) -> OutgoingEmail | OutgoingSms:
    appointment = batch.appointments[row["appointment_id"]]
    practice = batch.practices[row["practice_id"]]
    patient = batch.patients[appointment["patient_id"]]
    code = code_of(appointment["confirm_code_sealed"], identity.secret_key)
    if code is None:
        raise PermanentSendError("confirmation code unreadable (SECRET_KEY rotated?)")
    locale = appointment["locale"] if appointment["locale"] in SMS else "fr"
    values = {"practice": practice["name"], "code": code, "minutes": MINUTES}
    if row["channel"] == "sms":
        text = gsm.fold(SMS[locale].format(**values))
        if not gsm.fits_one_segment(text):
            text = gsm.fold(SMS[locale].format(**{**values, "practice": "RDV"}))
        sender = practice["sms_sender_id"] or identity.sms_sender
        return OutgoingSms(appointment["contact_phone"] or patient["phone"], sender, text, f"outbox-{row['id']}")
    page = manage_link(identity.base_url, appointment["manage_token_sealed"], identity.secret_key) or identity.base_url
    link = f"{page}/confirm?code={code}"
    text = BODY[locale].format(link=link, **values)
    html = "".join(f"<p>{escape(part)}</p>" for part in text.split("\n\n"))
    rendered = RenderedEmail(SUBJECT[locale].format(code=code), text, html)
    _, from_addr = mime.split_mail_from(identity.mail_from)
    envelope = mime.Envelope(
        row_id=row["id"], host=identity.host, created=row.get("created_at", ""), from_name=practice["name"],
        from_addr=from_addr,
        to_name=f"{patient['first_name']} {patient['last_name']}", to_addr=patient["email"],
        reply_to=practice["email"], locale=locale)
    return mime.compose(envelope, rendered, now, dkim_key=identity.dkim)

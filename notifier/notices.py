"""The practice's notices about its own limits (portal.messaging.notices): a short plain e-mail
to the practice's address, in the practice's language. Their text lives here, not with the
patient messages' templates: they are operational mail, with no appointment and no patient."""

from __future__ import annotations

from datetime import datetime
from html import escape

from notifier import mime
from notifier.context import display_name
from notifier.errors import PermanentSendError
from notifier.messages import OutgoingEmail
from notifier.outgoing import Identity
from notifier.render import RenderedEmail
from portal.messaging import notices
from portal.models import Practitioner

TEXTS = {
    "fr": {
        notices.ONLINE_LIMIT_HOUR: (
            "Réservations en ligne suspendues pour l'heure : {name}",
            "La limite de {count} réservations en ligne par heure pour {name} est atteinte. Les patients "
            "voient un message les invitant à réessayer plus tard ou à appeler le cabinet. Si ce n'est "
            "pas une affluence attendue, vérifiez l'agenda : un robot a peut-être tenté de le remplir.",
        ),
        notices.ONLINE_LIMIT_DAY: (
            "Réservations en ligne suspendues pour la journée : {name}",
            "La limite de {count} réservations en ligne par jour pour {name} est atteinte. Les patients "
            "voient un message les invitant à réessayer plus tard ou à appeler le cabinet. Si ce n'est "
            "pas une affluence attendue, vérifiez l'agenda : un robot a peut-être tenté de le remplir.",
        ),
        notices.SMS_BUDGET: (
            "Budget quotidien de SMS atteint",
            "Le cabinet a envoyé ses {count} SMS autorisés pour aujourd'hui. Les SMS suivants ne partent "
            "pas (les e-mails, si). Si ce n'est pas attendu, quelqu'un tente peut-être d'envoyer des SMS "
            "à des inconnus par le formulaire de réservation.",
        ),
    },
    "en": {
        notices.ONLINE_LIMIT_HOUR: (
            "Online bookings paused for the hour: {name}",
            "The limit of {count} online bookings an hour for {name} was reached. Patients are asked to "
            "try again later or to call the practice. If this rush is not expected, check the agenda: a "
            "robot may have tried to fill it.",
        ),
        notices.ONLINE_LIMIT_DAY: (
            "Online bookings paused for the day: {name}",
            "The limit of {count} online bookings a day for {name} was reached. Patients are asked to "
            "try again later or to call the practice. If this rush is not expected, check the agenda: a "
            "robot may have tried to fill it.",
        ),
        notices.SMS_BUDGET: (
            "Daily SMS budget reached",
            "The practice has sent its {count} SMS allowed for today. Further SMS are not sent (e-mails "
            "are). If this is not expected, someone may be using the booking form to send SMS to strangers.",
        ),
    },
}


def is_notice(row: dict) -> bool:
    return row["kind"] == notices.NOTICE_KIND


async def build(row: dict, practice: dict, identity: Identity, now: datetime) -> OutgoingEmail:
    key = notices.parse_key(row.get("dedupe_key", ""))
    if key is None or not practice.get("email"):
        raise PermanentSendError("practice notice: unknown topic or no e-mail address for the practice")
    locale = practice["locale"] if practice["locale"] in TEXTS else "fr"
    name, count = practice["name"], 0
    if key.topic == notices.SMS_BUDGET:
        count = practice.get("sms_daily_budget", 0)
    else:
        found = await Practitioner.filter(id=key.subject_id).values(
            "title", "first_name", "last_name", "online_bookings_per_hour", "online_bookings_per_day")
        if found:
            name = display_name(found[0])
            per = "online_bookings_per_hour" if key.topic == notices.ONLINE_LIMIT_HOUR else "online_bookings_per_day"
            count = found[0][per]
    subject, body = TEXTS[locale][key.topic]
    text = body.format(name=name, count=count)
    rendered = RenderedEmail(subject.format(name=name), text + "\n", f"<p>{escape(text)}</p>\n")
    _, from_addr = mime.split_mail_from(identity.mail_from)
    envelope = mime.Envelope(row_id=row["id"], host=identity.host, created=row.get("created_at", ""),
                             from_name="Créneau", from_addr=from_addr,
                             to_name=practice["name"], to_addr=practice["email"], locale=locale)
    return mime.compose(envelope, rendered, now, dkim_key=identity.dkim)

"""From a claimed row and what the database says now, the message that leaves: render, then
compose (e-mail headers, .ics invitation) or fold (SMS)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from notifier import mime
from notifier.context import Batch, message_context, privacy_context
from notifier.errors import RenderError
from notifier.invitation import patient_invitation, practitioner_invitation
from notifier.messages import OutgoingEmail, OutgoingSms
from notifier.render import RenderedEmail, render_email, render_sms
from portal import links
from portal.access.invitations import invitation_url, unseal
from portal.booking.calendar_event import uid_host
from portal.messaging.plan import CONFIG_CHECK, PRIVACY_KINDS, STAFF_INVITATION


@dataclass(frozen=True)
class Identity:
    """What the deployment says about itself in messages (from the settings)."""

    base_url: str
    secret_key: str
    mail_from: str
    sms_sender: str
    dkim: mime.DkimKey | None = None

    @classmethod
    def from_settings(cls, settings) -> Identity:
        key = str(settings.dkim_private_key)
        dkim = mime.DkimKey(settings.dkim_domain, settings.dkim_selector, key.encode()) if key else None
        return cls(settings.base_url, str(settings.secret_key), settings.mail_from, settings.vonage_from, dkim)

    @property
    def host(self) -> str:
        return uid_host(self.base_url)


def build(row: dict, batch: Batch, identity: Identity, now: datetime) -> OutgoingEmail | OutgoingSms:
    if row["kind"] in PRIVACY_KINDS:
        return build_privacy(row, batch, identity, now)
    if row["kind"] == CONFIG_CHECK:
        return build_config_check(row, batch, identity, now)
    if row["kind"] == STAFF_INVITATION:
        return build_invitation(row, batch, identity, now)
    context = message_context(row, batch, identity.base_url, identity.secret_key)
    appointment = batch.appointments[row["appointment_id"]]
    practice = batch.practices[row["practice_id"]]
    tz = ZoneInfo(practice["timezone"])
    to_patient = row["audience"] == "patient"
    locale = appointment["locale"] if to_patient else practice["locale"]
    if row["channel"] == "sms":
        sender = practice["sms_sender_id"] or identity.sms_sender
        # "Reply STOP" only where a reply can arrive: an alphanumeric sender id cannot be answered.
        context["stop_by_reply"] = can_receive_replies(sender)
        rendered = render_sms(row["kind"], context, locale, tz)
        return OutgoingSms(context["patient"]["phone"], sender, rendered.text, f"outbox-{row['id']}")
    rendered = render_email(row["kind"], context, locale, tz)
    if to_patient:
        to_name = f"{context['patient']['first_name']} {context['patient']['last_name']}".strip()
        to_addr = context["patient"]["email"]
    else:
        practitioner = batch.practitioners[appointment["practitioner_id"]]
        to_name, to_addr = context["practitioner"]["name"], practitioner["email"]
    _, from_addr = mime.split_mail_from(identity.mail_from)
    envelope = mime.Envelope(
        row_id=row["id"], host=identity.host, created=row.get("created_at", ""), from_name=practice["name"],
        from_addr=from_addr,
        to_name=to_name, to_addr=to_addr, reply_to=practice["email"] if to_patient else "",
        list_unsubscribe=_unsubscribe_link(row, identity) if to_patient else None, locale=locale,
    )
    if to_patient:
        invitation = patient_invitation(row, context, practice, identity.host, (to_addr, to_name), locale, now)
    else:
        level = batch.feed_levels.get(appointment["practitioner_id"], "busy")
        invitation = practitioner_invitation(row, context, practice, identity.host, (to_addr, to_name), level, now)
    if invitation is None:
        return mime.compose(envelope, rendered, now, dkim_key=identity.dkim)
    return mime.compose(envelope, rendered, now, *invitation, dkim_key=identity.dkim)


def can_receive_replies(sender: str) -> bool:
    """A phone number (digits, an optional +) can be replied to; "CabinetLila" cannot."""
    digits = sender.removeprefix("+")
    return digits.isdigit() and 3 <= len(digits) <= 15


def _unsubscribe_link(row: dict, identity: Identity) -> str | None:
    """Reminders only (RFC 8058 one-click): a single-purpose link, never the manage link."""
    if row["kind"] != "reminder":
        return None
    code = links.unsubscribe_code(row["appointment_id"], "email_reminders", identity.secret_key)
    return links.unsubscribe_url(identity.base_url, code)


def build_privacy(row: dict, batch: Batch, identity: Identity, now: datetime) -> OutgoingEmail | OutgoingSms:
    """A privacy-centre link or a confirmation of a new address/number: to the address the link
    names (a change is confirmed at the new address or number, never the old one)."""
    link = batch.privacy_links[row["id"]]
    practice = batch.practices[row["practice_id"]]
    context = privacy_context(row, link, practice, identity.base_url, identity.secret_key)
    tz, locale = ZoneInfo(practice["timezone"]), link.get("locale") or practice["locale"]
    if row["channel"] == "sms":
        sender = practice["sms_sender_id"] or identity.sms_sender
        context["stop_by_reply"] = can_receive_replies(sender)
        rendered_sms = render_sms(row["kind"], context, locale, tz)
        return OutgoingSms(link["new_value"], sender, rendered_sms.text, f"outbox-{row['id']}")
    rendered = render_email(row["kind"], context, locale, tz)
    to_addr = link["new_value"] if link["kind"] == "email_change" else link["email"]
    _, from_addr = mime.split_mail_from(identity.mail_from)
    envelope = mime.Envelope(row_id=row["id"], host=identity.host, created=row.get("created_at", ""),
                             from_name=practice["name"], from_addr=from_addr,
                             to_name="", to_addr=to_addr, reply_to=practice["email"], locale=locale)
    return mime.compose(envelope, rendered, now, dkim_key=identity.dkim)


CONFIG_CHECK_TEXT = {
    "fr": ("Message d'essai de Créneau", "Ce message d'essai envoyé par {name} depuis Créneau montre que les "
           "envois {channel} fonctionnent."),
    "en": ("Créneau test message", "This test message sent by {name} from Créneau shows that {channel} "
           "messages work."),
}


def build_config_check(row: dict, batch: Batch, identity: Identity, now: datetime) -> OutgoingEmail | OutgoingSms:
    """The practice's test message, to its own address or number (portal.messaging.config_check)."""
    practice = batch.practices[row["practice_id"]]
    locale = practice["locale"] if practice["locale"] in CONFIG_CHECK_TEXT else "fr"
    subject, text = CONFIG_CHECK_TEXT[locale]
    if row["channel"] == "sms":
        body = text.format(name=practice["name"][:40], channel="SMS")  # one SMS segment
        return OutgoingSms(practice["phone"], practice["sms_sender_id"] or identity.sms_sender, body,
                           f"outbox-{row['id']}")
    body = text.format(name=practice["name"], channel="e-mail")
    rendered = RenderedEmail(subject, body, f"<p>{html.escape(body)}</p>")
    _, from_addr = mime.split_mail_from(identity.mail_from)
    envelope = mime.Envelope(row_id=row["id"], host=identity.host, created=row.get("created_at", ""),
                             from_name=practice["name"], from_addr=from_addr,
                             to_name=practice["name"], to_addr=practice["email"], reply_to=practice["email"],
                             locale=locale)
    return mime.compose(envelope, rendered, now, dkim_key=identity.dkim)


INVITATION_TEXT = {
    "fr": ("Invitation à l'espace cabinet de {name}",
           "{name} vous invite dans son espace cabinet sur Créneau. Pour créer votre compte et choisir "
           "votre mot de passe, ouvrez ce lien (valable 3 jours, une seule fois) :\n\n{url}\n\n"
           "Si vous n'attendiez pas cette invitation, ignorez ce message."),
    "en": ("Invitation to the {name} practice space",
           "{name} invites you to its practice space on Créneau. To create your account and choose your "
           "password, open this link (valid for 3 days, once):\n\n{url}\n\n"
           "If you were not expecting this invitation, ignore this message."),
}


def build_invitation(row: dict, batch: Batch, identity: Identity, now: datetime) -> OutgoingEmail:
    """A staff invitation, to the address invited, with its single-use link."""
    practice = batch.practices[row["practice_id"]]
    invitation = batch.invitations[row["id"]]
    token = unseal(invitation, identity.secret_key)
    if token is None:
        raise RenderError("the invitation's token cannot be unsealed (SECRET_KEY changed?)")
    locale = invitation.get("locale") if invitation.get("locale") in INVITATION_TEXT else "fr"
    subject, text = INVITATION_TEXT[locale]
    url = invitation_url(identity.base_url, token)
    body = text.format(name=practice["name"], url=url)
    rendered = RenderedEmail(subject.format(name=practice["name"]), body,
                             "".join(f"<p>{html.escape(part)}</p>" for part in body.split("\n\n")))
    _, from_addr = mime.split_mail_from(identity.mail_from)
    envelope = mime.Envelope(row_id=row["id"], host=identity.host, created=row.get("created_at", ""),
                             from_name=practice["name"], from_addr=from_addr,
                             to_name="", to_addr=invitation["email"], reply_to=practice["email"], locale=locale)
    return mime.compose(envelope, rendered, now, dkim_key=identity.dkim)

"""One-time links into the privacy centre, by e-mail, through the outbox.

Asking for a link answers the same whether or not the address is known (the web layer also
pads the answer to a fixed duration): an unknown address writes nothing. A known one gets a
link row (token hashed to look it up, sealed for the worker that renders the e-mail later) and
one outbox message. Opening the link is a POST from the page it leads to (mail scanners that
follow links do not use it up): it is then used, and bound to the browser that opened it by a
second secret kept in a cookie, until it expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from portal import links
from portal.audit.record import record as audit
from portal.context import Ctx, privacy_centre
from portal.errors import NotFound
from portal.messaging.plan import EMAIL, PATIENT, PRIVACY_LINK, SMS
from portal.models import OutboxMessage, OutboxStatus, Patient, PrivacyLink
from portal.patients.input import clean_email
from portal.tokens import new_token, token_hash, token_matches

CENTRE, EMAIL_CHANGE, PHONE_CHANGE = "centre", "email_change", "phone_change"
MAX_TOKEN_LENGTH = 128


async def request_link(ctx: Ctx, raw_email: object, *, secret_key: str, minutes: int) -> bool:
    """Send a centre link to `raw_email` if some practice knows it. Returns whether one was
    written (for tests and logs only: the caller must answer the same either way)."""
    email, _ = clean_email(raw_email)
    if email is None:
        return False
    patients = await Patient.filter(email=email, erased_at=None).order_by("id").values("id", "practice_id", "locale")
    if not patients:
        return False
    async with in_transaction() as conn:
        await write_link(conn, ctx, CENTRE, email, "", patients[0]["practice_id"], PRIVACY_LINK, EMAIL,
                         secret_key=secret_key, expires_at=ctx.now + timedelta(minutes=minutes))
        await audit(conn, ctx, "privacy.link", "patient", patients[0]["id"], practice_id=patients[0]["practice_id"],
                    patient_id=patients[0]["id"], count=len(patients))
    return True


async def write_link(conn: BaseDBAsyncClient, ctx: Ctx, kind: str, email: str, new_value: str, practice_id: int,
                     message_kind: str, channel: str, *, secret_key: str, expires_at: datetime) -> PrivacyLink:
    """A link row and the outbox message that carries it (rendered by the worker)."""
    token = new_token()
    link = await PrivacyLink.create(
        using_db=conn, kind=kind, token_hash=token_hash(token), token_sealed=links.seal_manage_token(token, secret_key),
        email=email, new_value=new_value, created_at=ctx.now, expires_at=expires_at)
    message = await OutboxMessage.create(
        using_db=conn, practice_id=practice_id, appointment_id=None, kind=message_kind, channel=channel,
        audience=PATIENT, appointment_version=0, dedupe_key=f"privacy:{link.id}", due_at=ctx.now,
        expires_at=expires_at, status=OutboxStatus.PENDING, next_attempt_at=ctx.now, created_at=ctx.now)
    link.outbox_message_id = message.id
    await link.save(using_db=conn, update_fields=["outbox_message_id"])
    return link


async def _link(token: str, kind: str, now: datetime) -> PrivacyLink:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound("Ce lien n'est pas valable ou a expiré. Demandez-en un nouveau.")
    link = await PrivacyLink.filter(token_hash=token_hash(token), kind=kind, expires_at__gt=now).first()
    if link is None:
        raise NotFound("Ce lien n'est pas valable ou a expiré. Demandez-en un nouveau.")
    return link


async def unused_link(token: str, now: datetime) -> PrivacyLink:
    """A centre link not opened yet (the page offering to open it)."""
    link = await _link(token, CENTRE, now)
    if link.used_at is not None:
        raise NotFound("Ce lien a déjà servi. Demandez-en un nouveau.")
    return link


async def open_link(token: str, now: datetime) -> tuple[str, datetime]:
    """Use the link up: returns the session secret the browser keeps (its hash is stored) and
    when the session ends (the link's expiry)."""
    link = await unused_link(token, now)
    session = new_token()
    # Only the first opener wins: a second POST finds used_at set and changes nothing.
    updated = await PrivacyLink.filter(id=link.id, used_at=None).update(used_at=now, session_hash=token_hash(session))
    if updated != 1:
        raise NotFound("Ce lien a déjà servi. Demandez-en un nouveau.")
    return session, link.expires_at


@dataclass(frozen=True)
class Session:
    link: PrivacyLink
    ctx: Ctx


async def session(token: str, session_secret: str | None, *, ip: str, locale: str, now: datetime) -> Session:
    """The centre this browser opened with `token`: a Ctx of kind PATIENT scoped to the records
    of the link's address. Anything else is "not found"."""
    link = await _link(token, CENTRE, now)
    if link.used_at is None or not session_secret or not token_matches(session_secret, link.session_hash):
        raise NotFound("Ce lien n'est pas valable ou a expiré. Demandez-en un nouveau.")
    rows = await Patient.filter(email=link.email, erased_at=None).values_list("id", "practice_id")
    if not rows:
        raise NotFound("Ce lien n'est pas valable ou a expiré. Demandez-en un nouveau.")
    ctx = privacy_centre(frozenset(row[0] for row in rows), frozenset(row[1] for row in rows), ip=ip, locale=locale,
                         now=now)
    return Session(link, ctx)


def link_url(base_url: str, kind: str, token: str) -> str:
    path = "c" if kind == CENTRE else "confirm"
    return f"{base_url.rstrip('/')}/privacy/{path}/{token}"


__all__ = ["CENTRE", "EMAIL_CHANGE", "PHONE_CHANGE", "SMS", "request_link", "open_link", "session", "unused_link",
           "write_link", "link_url"]

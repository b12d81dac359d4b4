"""A test e-mail or SMS the administrator sends the practice itself (issue 14 item 8): it goes
through the outbox and the worker like any message, so it checks the real configuration (SMTP,
the SMS provider, the practice's address and number) and shows up in the message log."""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

from portal.access import administered_practice
from portal.audit.record import record
from portal.context import Ctx
from portal.db import retry_locked
from portal.errors import FieldErrors
from portal.messaging.plan import CONFIG_CHECK, EMAIL, PRACTICE, SMS
from portal.models import OutboxMessage
from portal.tokens import new_token

LIFETIME = timedelta(hours=1)  # a test that has not left within the hour tells its story in the log
MISSING = {EMAIL: "Renseignez d'abord l'adresse e-mail du cabinet dans les réglages.",
           SMS: "Renseignez d'abord le numéro de téléphone du cabinet dans les réglages."}


async def queue_config_check(ctx: Ctx, channel: str) -> int:
    """Queues the test message to the practice's own e-mail address or phone; its outbox id."""
    practice = await administered_practice(ctx)
    if channel not in (EMAIL, SMS):
        raise FieldErrors({"channel": "Choisissez e-mail ou SMS."})
    if not (practice.email if channel == EMAIL else practice.phone):
        raise FieldErrors({"channel": MISSING[channel]})

    async def transaction() -> int:
        async with in_transaction() as conn:
            row = await OutboxMessage.create(
                practice_id=practice.id, appointment_id=None, kind=CONFIG_CHECK, channel=channel, audience=PRACTICE,
                dedupe_key=f"{CONFIG_CHECK}:{new_token()[:40]}", due_at=ctx.now, expires_at=ctx.now + LIFETIME,
                next_attempt_at=ctx.now, using_db=conn)
            await record(conn, ctx, "message.config_check", "outbox_message", row.id, practice_id=practice.id)
            return row.id

    return await retry_locked(transaction)

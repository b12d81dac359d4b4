"""Feed tokens: create, list, rotate, revoke. The token is shown once, at creation; only its
SHA-256 is stored. Rotating revokes the old token in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from tortoise.transactions import in_transaction

from calendar_sync.models import FeedLevel, FeedToken
from portal.db import retry_locked
from portal.errors import NotAllowed, NotFound
from portal.models import Practitioner
from portal.tokens import new_token, token_hash


@dataclass(frozen=True)
class IssuedToken:
    row: FeedToken
    token: str  # the secret, never stored

    def urls(self, base_url: str) -> tuple[str, str]:
        return feed_urls(base_url, self.token)


def feed_urls(base_url: str, token: str) -> tuple[str, str]:
    """The feed URL and the same with `webcal://`, which calendar apps open as a subscription."""
    http_url = f"{base_url.rstrip('/')}/feeds/{token}.ics"
    parts = urlsplit(http_url)
    return http_url, "webcal://" + http_url[len(parts.scheme) + 3:]


async def _practitioner_id(slug: str) -> int:
    ids = await Practitioner.filter(slug=slug).values_list("id", flat=True)
    if not ids:
        raise NotFound(f"Praticien introuvable : {slug}")
    return ids[0]


async def create_feed_token(practitioner: str, *, now: datetime, level: str = "busy", label: str = "") -> IssuedToken:
    practitioner_id = await _practitioner_id(practitioner)
    token = new_token()

    async def create() -> FeedToken:
        return await FeedToken.create(practitioner_id=practitioner_id, token_hash=token_hash(token),
                                      level=FeedLevel(level), label=label, created_at=now)

    return IssuedToken(await retry_locked(create), token)


async def list_feed_tokens(practitioner: str | None = None, *, include_revoked: bool = False) -> list[FeedToken]:
    query = FeedToken.all().select_related("practitioner").order_by("id")
    if practitioner:
        query = query.filter(practitioner_id=await _practitioner_id(practitioner))
    if not include_revoked:
        query = query.filter(revoked_at=None)
    return await query


async def _active(token_id: int, conn=None) -> FeedToken:
    row = await FeedToken.filter(id=token_id).using_db(conn).first()
    if row is None:
        raise NotFound(f"Jeton de flux introuvable : {token_id}")
    if row.revoked_at is not None:
        raise NotAllowed(f"Le jeton de flux {token_id} est déjà révoqué.")
    return row


async def revoke_feed_token(token_id: int, *, now: datetime) -> FeedToken:
    row = await _active(token_id)
    await retry_locked(lambda: FeedToken.filter(id=token_id, revoked_at=None).update(revoked_at=now))
    row.revoked_at = now
    return row


async def rotate_feed_token(token_id: int, *, now: datetime) -> IssuedToken:
    """A new secret with the same practitioner, level and label; the old one answers 404."""
    token = new_token()

    async def transaction() -> FeedToken:
        async with in_transaction() as conn:
            old = await _active(token_id, conn)
            await FeedToken.filter(id=token_id).using_db(conn).update(revoked_at=now)
            return await FeedToken.create(practitioner_id=old.practitioner_id, token_hash=token_hash(token),
                                          level=old.level, label=old.label, created_at=now, using_db=conn)

    return IssuedToken(await retry_locked(transaction), token)

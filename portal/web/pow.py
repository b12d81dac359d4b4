"""A self-hosted proof of work for the booking form, asked only of a client over a threshold of
attempts (a person fixing typos never meets it; a script pays CPU for every further post). No
third party: the challenge is an HMAC of the client and an expiry, the browser finds a nonce with
portal/static/js/pow.js (SHA-256 with DIFFICULTY leading zero bits, about a second), and each
solution is spent once (a shared counter)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from portal.limits import counter
from portal.settings import RateLimit

DIFFICULTY = 16  # leading zero bits: 65,536 hashes on average
TTL = 600  # seconds a challenge may be solved and used
# Attempts (valid or not) of one client in the attempt window before the form asks for work.
THRESHOLD = 10  # a person fixing typos stays below it
MAX_FIELD = 200


def _mac(secret: str, client: str, expires: int, salt: str) -> str:
    message = f"creneau/pow/v1|{client}|{expires}|{salt}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def issue(secret: str, client: str, now: datetime) -> str:
    expires = int(now.timestamp()) + TTL
    salt = secrets.token_hex(8)
    return f"{expires}.{salt}.{_mac(secret, client, expires, salt)}"


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def solves(challenge: str, nonce: str, difficulty: int = DIFFICULTY) -> bool:
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    return leading_zero_bits(digest) >= difficulty


def valid(secret: str, client: str, challenge: object, nonce: object, now: datetime) -> bool:
    """Issued to this client, not expired, and solved."""
    if not isinstance(challenge, str) or not isinstance(nonce, str) or len(challenge) > MAX_FIELD \
            or len(nonce) > MAX_FIELD:
        return False
    parts = challenge.split(".")
    if len(parts) != 3 or not (parts[0].isascii() and parts[0].isdigit()):
        return False
    expires, salt, mac = int(parts[0]), parts[1], parts[2]
    if now.timestamp() >= expires or not hmac.compare_digest(mac, _mac(secret, client, expires, salt)):
        return False
    return solves(challenge, nonce)


async def spend(challenge: str) -> bool:
    """True the first time a (valid) challenge's solution is used; a replay is refused. Counted
    in the window of the challenge's own expiry, so every use of it lands in the same one."""
    key = "pow:" + hashlib.sha256(challenge.encode()).hexdigest()[:40]
    expires = datetime.fromtimestamp(int(challenge.split(".")[0]), UTC)
    return (await counter.take(key, RateLimit(1, TTL * 2), expires)).allowed

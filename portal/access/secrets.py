"""Staff credentials: argon2id passwords, TOTP secrets sealed at rest, single-use recovery codes."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.fernet import Fernet, InvalidToken

# argon2-cffi's defaults are argon2id with RFC 9106's "low memory" profile (t=3, m=64 MiB, p=4).
HASHER = PasswordHasher()
TOTP_PERIOD = 30
RECOVERY_CODES = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 hashes anything; a megabyte of password is a denial of service


@functools.cache
def dummy_hash() -> str:
    """Verified instead when the account is unknown or has no password, so that the answer takes
    about the same time as for a wrong password. Made on first need, not at import: one argon2
    hash takes 64 MiB and ~0.1 s, which every process (web, worker, CLI) would otherwise pay at
    start-up — the web server's peak memory went from ~100 to ~150 MB."""
    return HASHER.hash("creneau dummy password, never a real one")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """Always does one argon2 verification, whether or not there is a hash to check."""
    try:
        return HASHER.verify(stored_hash or dummy_hash(), password) and bool(stored_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A password to hand over once (CLI): 20 characters, about 119 bits, no ambiguous letters."""
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(20))


def fernet(secret_key: str) -> Fernet:
    """Seals TOTP secrets at rest (and a secret being enrolled, in its form)."""
    digest = hashlib.sha256(b"creneau/totp-secret/v1:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def seal_totp_secret(secret: str, secret_key: str) -> str:
    return fernet(secret_key).encrypt(secret.encode()).decode()


def unseal_totp_secret(sealed: str, secret_key: str) -> str | None:
    try:
        return fernet(secret_key).decrypt(sealed.encode()).decode() if sealed else None
    except InvalidToken:
        return None


def provisioning_uri(secret: str, email: str, issuer: str = "Créneau") -> str:
    return pyotp.TOTP(secret, interval=TOTP_PERIOD).provisioning_uri(name=email, issuer_name=issuer)


def totp_step(secret: str, code: str, now: datetime, after_step: int) -> int | None:
    """The time step `code` belongs to (the current one or one either side, for clock drift), if
    it is later than `after_step`: a code is accepted once, and never an older one after it."""
    code = "".join(code.split())
    if not secret or len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_PERIOD)
    current = int(now.timestamp()) // TOTP_PERIOD
    for step in (current - 1, current, current + 1):
        if step > after_step and hmac.compare_digest(totp.at(step * TOTP_PERIOD), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like `k7m2-q9xd-4hpt` (60 bits each: hashed with SHA-256, no need for argon2)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return ["-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
            for _ in range(RECOVERY_CODES)]


def recovery_code_hash(code: str) -> str:
    normalised = "".join(code.lower().split()).replace("-", "")
    return hashlib.sha256(b"creneau/recovery/v1:" + normalised.encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len("".join(code.split()).replace("-", "")) == 12

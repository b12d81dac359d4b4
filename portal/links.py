"""Links that carry a secret token.

The manage token is stored twice, never in clear: its SHA-256 (to look a booking up from a link)
and sealed with a key derived from SECRET_KEY (so reminders sent days later can carry the link).
Rotating SECRET_KEY makes sealed tokens unreadable: reminders then go out without the link.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(b"creneau/manage-token/v1:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal_manage_token(token: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(token.encode()).decode()


def unseal_manage_token(sealed: str, secret_key: str) -> str | None:
    if not sealed:
        return None
    try:
        return _fernet(secret_key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def manage_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/b/{token}"

"""Links that carry a secret token.

The manage token is stored twice, never in clear: its SHA-256 (to look a booking up from a link)
and sealed with a key derived from SECRET_KEY (so reminders sent days later can carry the link).
Rotating SECRET_KEY makes sealed tokens unreadable: reminders then go out without the link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

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


# Short and single-purpose links: an appointment id (base 36) then a 128-bit MAC keyed by
# SECRET_KEY, so nothing more is stored, the secret part stays 128 bits, and a link opens one
# thing only. Rotating SECRET_KEY ends them, as it ends the sealed manage tokens.
_MAC_LENGTH = 22  # 16 bytes in unpadded base64url
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
UNSUBSCRIBE_PURPOSES = {"e": "email_reminders", "s": "sms_reminders"}


def _mac(secret_key: str, purpose: str, message: str) -> str:
    key = hashlib.sha256(f"creneau/{purpose}/v1:".encode() + secret_key.encode()).digest()
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _base36(number: int) -> str:
    digits = ""
    while True:
        number, rest = divmod(number, 36)
        digits = _ALPHABET[rest] + digits
        if not number:
            return digits


def _split(code: str, extra: int = 0) -> tuple[int, str, str] | None:
    """(appointment id, the `extra` characters after it, MAC) or None for anything malformed."""
    head, mac = code[:-_MAC_LENGTH], code[-_MAC_LENGTH:]
    number, tail = head[:len(head) - extra], head[len(head) - extra:]
    if not 1 <= len(number) <= 12 or any(char not in _ALPHABET for char in number) or len(code) > 40:
        return None
    return int(number, 36), tail, mac


def short_code(appointment_id: int, token: str, secret_key: str) -> str:
    """The SMS form of a manage link: bound to the token, so a new token ends the old short link."""
    return _base36(appointment_id) + _mac(secret_key, "short-link", token)


def short_code_matches(code: str, token: str, secret_key: str) -> bool:
    parsed = _split(code)
    return parsed is not None and hmac.compare_digest(parsed[2], _mac(secret_key, "short-link", token))


def short_code_appointment(code: str) -> int | None:
    parsed = _split(code)
    return parsed[0] if parsed else None


def short_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/r/{code}"


def unsubscribe_code(appointment_id: int, purpose: str, secret_key: str) -> str:
    """List-Unsubscribe: stops one kind of reminder, opens nothing else (not the manage link)."""
    letter = next(key for key, value in UNSUBSCRIBE_PURPOSES.items() if value == purpose)
    return _base36(appointment_id) + letter + _mac(secret_key, "unsubscribe", f"{appointment_id}:{purpose}")


def open_unsubscribe_code(code: str, secret_key: str) -> tuple[int, str] | None:
    """(appointment id, purpose) for a genuine code, else None."""
    parsed = _split(code, extra=1)
    if parsed is None or parsed[1] not in UNSUBSCRIBE_PURPOSES:
        return None
    appointment_id, letter, mac = parsed
    purpose = UNSUBSCRIBE_PURPOSES[letter]
    if not hmac.compare_digest(mac, _mac(secret_key, "unsubscribe", f"{appointment_id}:{purpose}")):
        return None
    return appointment_id, purpose


def unsubscribe_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/u/{code}"

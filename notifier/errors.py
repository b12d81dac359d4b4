"""What a channel adapter may raise: the worker retries the first and gives up on the second."""

import re


class SendError(Exception):
    """A provider refused or could not take the message."""


class TransientSendError(SendError):
    """Try again later (4xx, timeouts, refused connections, throttling, provider 5xx)."""


class PermanentSendError(SendError):
    """Retrying cannot help (SMTP 5xx, invalid number, message refused)."""


class RenderError(Exception):
    """The message cannot be rendered within its rules (e.g. an SMS over one segment)."""


# A provider's error text may quote the recipient ("550 5.1.1 <marie@example.fr>: Recipient
# address rejected", "Non White-listed Destination 33612345678"): recorded in the message log,
# shown in the back-office and `creneau outbox`, it must not hold a patient's address or number.
_EMAIL = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")
# A run of 6+ digits, or a phone number written in groups ("+33 6 12 34 56 78", "06.12.34.56.78":
# 8+ digits with single spaces, dots or dashes between). Short codes stay: 421, 4.3.2, err-code 29.
_NUMBER = re.compile(r"\+?\d(?:[ .\-]?\d){7,}|\d{6,}", re.ASCII)


def masked_error(text: str) -> str:
    """`text` with its e-mail addresses and long numbers replaced by a placeholder."""
    return _NUMBER.sub("[numéro]", _EMAIL.sub("[e-mail]", text))

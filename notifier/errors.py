"""What a channel adapter may raise: the worker retries the first and gives up on the second."""


class SendError(Exception):
    """A provider refused or could not take the message."""


class TransientSendError(SendError):
    """Try again later (4xx, timeouts, refused connections, throttling, provider 5xx)."""


class PermanentSendError(SendError):
    """Retrying cannot help (SMTP 5xx, invalid number, message refused)."""


class RenderError(Exception):
    """The message cannot be rendered within its rules (e.g. an SMS over one segment)."""

"""Composing the e-mail that leaves: text and HTML parts, the .ics invitation, and headers built
so that no value (a practice or practitioner name with a line break…) can add a header or a
recipient. Recipients go to SMTP as an explicit envelope, never parsed back from headers."""

from __future__ import annotations

import email.utils
import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr

import dkim
import idna

from notifier.errors import PermanentSendError
from notifier.messages import OutgoingEmail
from notifier.render import RenderedEmail


def clean_header_text(value: str) -> str:
    """One line of printable text: line breaks and other control characters become spaces."""
    spaced = "".join(" " if unicodedata.category(char)[0] in "CZ" else char for char in value)
    return " ".join(spaced.split())


def ascii_domain(domain: str) -> str:
    """An accented domain leaves IDNA-encoded (exämple.fr → xn--exmple-cua.fr): every SMTP
    server accepts that. Only an accented mailbox name needs SMTPUTF8 (aiosmtplib then asks for
    it, and refuses to send if the server does not offer it)."""
    if domain.isascii():
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise PermanentSendError(f"invalid e-mail domain {domain!r}: {exc}") from None


def address(name: str, addr: str) -> Address:
    """A structured address; a malformed one is the message's own permanent problem."""
    addr = addr.strip()
    if not addr or any(char in addr for char in "\r\n\t <>,;\"") or addr.count("@") != 1:
        raise PermanentSendError(f"invalid e-mail address {addr!r}")
    local, _, domain = addr.partition("@")
    try:
        return Address(display_name=clean_header_text(name), username=local, domain=ascii_domain(domain))
    except (ValueError, IndexError) as exc:
        raise PermanentSendError(f"invalid e-mail address {addr!r}: {exc}") from None


def format_address(value: Address) -> str:
    """`formataddr` encodes the name but refuses a non-ASCII mailbox; such a mailbox goes as
    raw UTF-8 (RFC 6532), which the SMTPUTF8 transaction carries as is. compat32 writes a header
    byte for byte only when it holds surrogate-escaped bytes (a plain non-ASCII string would be
    turned into an encoded word, which no client reads as an address)."""
    if value.addr_spec.isascii():
        return formataddr((value.display_name, value.addr_spec), charset="utf-8")
    raw = value.addr_spec.encode("utf-8").decode("ascii", "surrogateescape")
    return formataddr((value.display_name, "mailbox@invalid"), charset="utf-8").replace("mailbox@invalid", raw)


def message_id(row_id: int, host: str, created: object = "") -> str:
    """Derived from the outbox row: a retry after a crash carries the same Message-ID, so the
    receiving side can recognise the duplicate. The row's creation time is part of it: a
    database created again on the same domain starts its ids at 1 again, and a mailbox that
    sees a known Message-ID may drop the new message as a duplicate."""
    if created in ("", None):
        return f"<outbox-{row_id}@{host}>"
    salt = hashlib.sha256(str(created).encode()).hexdigest()[:10]
    return f"<outbox-{row_id}.{salt}@{host}>"


def split_mail_from(mail_from: str) -> tuple[str, str]:
    name, addr = email.utils.parseaddr(mail_from)
    return name, addr


@dataclass(frozen=True)
class Envelope:
    row_id: int
    host: str
    from_name: str
    from_addr: str
    to_name: str
    to_addr: str
    reply_to: str = ""
    list_unsubscribe: str | None = None
    locale: str = "fr"
    created: object = ""  # the outbox row's created_at (see message_id)


@dataclass(frozen=True)
class DkimKey:
    domain: str
    selector: str
    private_key: bytes  # PEM

    def __repr__(self) -> str:  # never print the key
        return f"DkimKey({self.domain!r}, {self.selector!r})"


# Signed headers: what a receiver shows or threads on; a relay adding others breaks nothing.
DKIM_HEADERS = [b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"content-type", b"mime-version",
                b"list-unsubscribe", b"list-unsubscribe-post"]


def dkim_sign(message: Message, key: DkimKey) -> None:
    """Add a DKIM-Signature (relaxed/relaxed, RSA-SHA256) over the bytes the SMTP client will
    send: flattening here fixes the MIME boundaries, so the later flattening is identical."""
    data = message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    signature = dkim.sign(data, key.selector.encode(), key.domain.encode(), key.private_key,
                          canonicalize=(b"relaxed", b"relaxed"), include_headers=DKIM_HEADERS)
    name, _, value = signature.decode().partition(":")
    # The value is already folded; keep it as one logical line for compat32 to write as is.
    message[name] = " ".join(value.split())


def _header_text(value: str, name: str) -> str | Header:
    """One cleaned line; non-ASCII text as a Header that knows its field name. (An already
    encoded string made compat32 fold a long value right after "Subject:", and parsers then read
    the Subject with a leading space.)"""
    value = clean_header_text(value)
    return value if value.isascii() else Header(value, "utf-8", header_name=name)


def compose(envelope: Envelope, rendered: RenderedEmail, now: datetime,
            invitation: bytes | None = None, method: str = "REQUEST", dkim_key: DkimKey | None = None) -> OutgoingEmail:
    """Built with the compat32 `email.mime` classes: the modern EmailMessage API spends ~5 ms a
    message parsing its own headers back (measured), which made composition the bottleneck.
    Safety does not depend on the API: every value is one cleaned line, and names are quoted
    by `formataddr`; addresses are validated by `address()`."""
    sender = address(envelope.from_name, envelope.from_addr)
    recipient = address(envelope.to_name, envelope.to_addr)
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(rendered.text, "plain", "utf-8"))
    body.attach(MIMEText(rendered.html, "html", "utf-8"))
    msg = body
    if invitation is not None:
        # Inline for clients that show an invitation, attached for those that only offer a file.
        inline = MIMEText(invitation.decode(), "calendar", "utf-8")
        inline.set_param("method", method)
        body.attach(inline)
        attachment = MIMEApplication(invitation, "ics")
        attachment.add_header("Content-Disposition", "attachment", filename="invitation.ics")
        msg = MIMEMultipart("mixed")
        msg.attach(body)
        msg.attach(attachment)
    msg["From"] = format_address(sender)
    msg["To"] = format_address(recipient)
    if envelope.reply_to:
        msg["Reply-To"] = format_address(address(envelope.from_name, envelope.reply_to))
    msg["Subject"] = _header_text(rendered.subject, "Subject")
    msg["Date"] = email.utils.format_datetime(now)
    mid = message_id(envelope.row_id, envelope.host, envelope.created)
    msg["Message-ID"] = mid
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = clean_header_text(envelope.locale)
    if envelope.list_unsubscribe:
        # RFC 8058: the mailbox provider's "unsubscribe" button POSTs this body to the link.
        msg["List-Unsubscribe"] = f"<{clean_header_text(envelope.list_unsubscribe)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if dkim_key is not None:
        dkim_sign(msg, dkim_key)
    return OutgoingEmail(msg, sender.addr_spec, (recipient.addr_spec,), mid)

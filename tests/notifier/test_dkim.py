"""Issue 12 item 4: DKIM-signed e-mail (dkimpy) that verifies as received by a real SMTP server,
Reply-To the practice, and the settings that refuse a half-configured signer."""

import base64
import random

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.datastructures import Secret

from notifier.channels.smtp import SmtpChannel
from notifier.worker import drain_once
from portal.settings import load_settings
from tests.builders import book, load_demo, paris
from tests.notifier.conftest import make_settings


def keypair() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


async def test_every_email_is_signed_and_verifies_as_received(database, tmp_path, channels, clock, now, smtp_factory):
    private, dns_record = keypair()
    settings = make_settings(database, tmp_path, dkim_domain="rdv.example.fr", dkim_selector="creneau1",
                             dkim_private_key=Secret(private.decode()))
    server = smtp_factory()
    await load_demo()
    await book(paris(2026, 12, 1, 11), now)
    email = SmtpChannel("127.0.0.1", server.port, tls="none")
    try:
        stats = await drain_once(settings, {"email": email, "sms": channels["sms"]}, now=clock, rng=random.Random(3))
    finally:
        await email.close()
    assert stats.outcomes == {"sent": 3}
    looked_up = []

    def dns(name, timeout=5):
        looked_up.append(name)
        return dns_record

    for received in server.recorder.received:
        assert received.message["DKIM-Signature"] and "d=rdv.example.fr" in received.message["DKIM-Signature"]
        assert dkim.verify(received.data, dnsfunc=dns), received.recipients
        tampered = received.data.replace(b"Subject: ", b"Subject: Re: ", 1)
        assert not dkim.verify(tampered, dnsfunc=dns)
    assert set(looked_up) == {b"creneau1._domainkey.rdv.example.fr."}
    patient = next(r.message for r in server.recorder.received if r.recipients == ["elise.durand@example.org"])
    assert patient["Reply-To"].addresses[0].addr_spec == "contact@cabinet-des-lilas.example"


def test_dkim_settings_read_the_key_file(tmp_path):
    private, _ = keypair()
    path = tmp_path / "dkim.pem"
    path.write_bytes(private)
    settings = load_settings({"CRENEAU_VAR_DIR": str(tmp_path), "DKIM_DOMAIN": "cabinet.fr", "DKIM_SELECTOR": "s1",
                              "DKIM_PRIVATE_KEY_FILE": str(path)}, env_file=None)
    assert str(settings.dkim_private_key) == private.decode() and "PRIVATE" not in repr(settings)

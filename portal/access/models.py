"""Staff accounts of the back-office: who the staff are, how they prove it, what they may see.

Not patient data: a staff member's own identity and credentials. Secrets are never stored in
clear: passwords as argon2id hashes, the TOTP secret sealed with a key derived from SECRET_KEY,
recovery codes and session tokens as SHA-256 hashes (they are long random values).
"""

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class StaffRole(StrEnum):
    ADMIN = "admin"  # everything in the practice
    PRACTITIONER = "practitioner"  # their own agenda and patients
    ASSISTANT = "assistant"  # the agendas they are granted


class StaffUser(Model):
    """A person who signs in to /admin for one practice."""

    id = fields.IntField(primary_key=True)
    practice = fields.ForeignKeyField("portal.Practice", related_name="staff", on_delete=fields.RESTRICT)
    # The practitioner a practitioner-role account is (None for administrators and assistants).
    practitioner = fields.ForeignKeyField("portal.Practitioner", related_name="staff_accounts", null=True,
                                          on_delete=fields.SET_NULL)
    email = fields.CharField(max_length=254, unique=True)  # lower-cased
    name = fields.CharField(max_length=120, default="")
    role = fields.CharField(max_length=16)
    password_hash = fields.CharField(max_length=255, default="")  # argon2id, empty: no password sign-in
    totp_secret_sealed = fields.CharField(max_length=255, default="")  # Fernet, empty: not enrolled
    totp_last_step = fields.BigIntField(default=0)  # the last time step accepted: a code works once
    totp_required = fields.BooleanField(default=False)  # must enrol a second factor before anything else
    recovery_codes = fields.JSONField(default=list)  # SHA-256 of the unused single-use codes
    oidc_issuer = fields.CharField(max_length=255, null=True)
    oidc_subject = fields.CharField(max_length=255, null=True)
    disabled = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    last_sign_in_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_user"
        unique_together = (("oidc_issuer", "oidc_subject"),)

    @property
    def has_totp(self) -> bool:
        return bool(self.totp_secret_sealed)


class StaffGrant(Model):
    """An assistant may see this practitioner's agenda and patients."""

    id = fields.IntField(primary_key=True)
    staff = fields.ForeignKeyField("portal.StaffUser", related_name="grants", on_delete=fields.CASCADE)
    practitioner = fields.ForeignKeyField("portal.Practitioner", related_name="staff_grants",
                                          on_delete=fields.CASCADE)

    class Meta:
        table = "staff_grant"
        unique_together = (("staff", "practitioner"),)


class StaffSession(Model):
    """A signed-in browser. `verified` is false between the password and the second factor."""

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    staff = fields.ForeignKeyField("portal.StaffUser", related_name="sessions", on_delete=fields.CASCADE)
    verified = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    ip = fields.CharField(max_length=45, default="")

    class Meta:
        table = "staff_session"


class SignInFailure(Model):
    """A refused sign-in, kept a short while to throttle per account and per IP.

    In the database, so that every process counts the same. The account is a keyed hash of the e-mail typed, known or not: the same counting
    for an unknown address as for a wrong password."""

    id = fields.IntField(primary_key=True)
    account_key = fields.CharField(max_length=64, db_index=True)
    ip = fields.CharField(max_length=45, default="", db_index=True)
    at = fields.DatetimeField()

    class Meta:
        table = "sign_in_failure"


class StaffPasskey(Model):
    """A passkey (WebAuthn credential) of a staff member: a phishing-resistant sign-in."""

    id = fields.IntField(primary_key=True)
    staff = fields.ForeignKeyField("portal.StaffUser", related_name="passkeys", on_delete=fields.CASCADE)
    credential_id = fields.CharField(max_length=1400, unique=True)  # base64url, as the browser sends it
    public_key = fields.TextField()  # COSE key, base64url
    sign_count = fields.BigIntField(default=0)
    name = fields.CharField(max_length=60, default="")
    created_at = fields.DatetimeField()
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_passkey"


class WebAuthnChallenge(Model):
    """A challenge handed to a browser for a passkey ceremony, accepted once and briefly."""

    id = fields.IntField(primary_key=True)
    challenge_hash = fields.CharField(max_length=64, unique=True)
    purpose = fields.CharField(max_length=16)  # sign_in, register
    staff = fields.ForeignKeyField("portal.StaffUser", related_name="webauthn_challenges", null=True,
                                   on_delete=fields.CASCADE)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "webauthn_challenge"


class StaffInvitation(Model):
    """A single-use link that lets a new member choose their password and creates their account.
    Only the token's SHA-256 is looked up; the worker unseals the token to write the e-mail."""

    id = fields.IntField(primary_key=True)
    practice = fields.ForeignKeyField("portal.Practice", related_name="staff_invitations", on_delete=fields.CASCADE)
    email = fields.CharField(max_length=254)
    role = fields.CharField(max_length=16)
    practitioner_id = fields.IntField(null=True)
    grants = fields.JSONField(default=list)  # practitioner ids an assistant may see
    token_hash = fields.CharField(max_length=64, unique=True)
    token_sealed = fields.CharField(max_length=255)
    outbox_message_id = fields.IntField(null=True, db_index=True)
    locale = fields.CharField(max_length=8, default="fr")  # the invitation e-mail's language
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_invitation"

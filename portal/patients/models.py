"""Patients, the consent ledger and practitioners' private notes."""

from tortoise import fields
from tortoise.models import Model

from portal.patients.search_key import search_key


class Patient(Model):
    id = fields.IntField(primary_key=True)
    practice = fields.ForeignKeyField("portal.Practice", related_name="patients", on_delete=fields.RESTRICT)
    civility = fields.CharField(max_length=8, default="")  # "mme", "m", "" (not said)
    first_name = fields.CharField(max_length=100)
    last_name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=254)
    phone = fields.CharField(max_length=20)  # E.164
    birth_date = fields.DateField()
    locale = fields.CharField(max_length=8, default="fr")
    # Names, e-mail and phone folded for the practice's search (portal.patients.search_key),
    # kept in step by every write: save() below, the booking's INSERT, correct_contact.
    search_key = fields.CharField(max_length=600, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    # Restriction or objection (GDPR art. 18 and 21), set from the privacy centre: while set, no
    # message goes to the patient and no online booking is taken. The practice sees why.
    restricted_at = fields.DatetimeField(null=True)
    restriction_reason = fields.CharField(max_length=300, null=True)
    # Set when identity and contact data were irreversibly anonymised (erasure or retention).
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "patient"
        indexes = (("practice_id", "email"), ("practice_id", "search_key"))

    async def save(self, *args, **kwargs) -> None:
        self.search_key = search_key(self.first_name, self.last_name, self.email, self.phone)
        await super().save(*args, **kwargs)


class ConsentRecord(Model):
    """Append-only ledger: what the patient agreed to or withdrew, when, how, on which text."""

    id = fields.IntField(primary_key=True)
    practice = fields.ForeignKeyField("portal.Practice", related_name="consents", on_delete=fields.RESTRICT)
    patient = fields.ForeignKeyField("portal.Patient", related_name="consents", on_delete=fields.CASCADE)
    appointment = fields.ForeignKeyField("portal.Appointment", related_name="consents", null=True, on_delete=fields.SET_NULL)
    purpose = fields.CharField(max_length=32)  # privacy_notice, email_reminders, sms_reminders
    granted = fields.BooleanField()
    text_version = fields.CharField(max_length=32)
    text_sha256 = fields.CharField(max_length=64)
    recorded_at = fields.DatetimeField()
    channel = fields.CharField(max_length=16)  # web, api, sms, admin
    ip = fields.CharField(max_length=45, default="")
    # Who said it: "patient" (for themselves) or "guardian" (the adult accompanying a child, on
    # the child's behalf, for a child's appointment).
    given_by = fields.CharField(max_length=16, default="patient", db_default="patient")  # a database default: 0016

    class Meta:
        table = "consent_record"
        indexes = (("patient_id", "purpose"),)


class PrivacyLink(Model):
    """A one-time link sent by e-mail (or SMS): the way into the privacy centre (`centre`), or the
    proof that a new address or number is the patient's (`email_change`, `phone_change`).

    The token is stored hashed (to look it up) and sealed with SECRET_KEY (for the worker, which
    renders the message later); never in clear. A centre link is used once: opening it binds it
    to the browser that opened it (session_hash, a cookie), for a short session."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=16)  # centre, email_change, phone_change
    token_hash = fields.CharField(max_length=64, unique=True)
    token_sealed = fields.TextField(default="")
    # The address the centre is opened for: its patient records across the deployment's practices.
    email = fields.CharField(max_length=254)
    # The new address or number a change link confirms (empty for a centre link).
    new_value = fields.CharField(max_length=254, default="")
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    session_hash = fields.CharField(max_length=64, default="")
    outbox_message_id = fields.IntField(null=True)  # the message that carries it

    class Meta:
        table = "privacy_link"
        indexes = (("email",), ("expires_at",))


class PatientNote(Model):
    """A practitioner's private note on a patient: shown to the practice's staff in scope only,
    never to the patient, in a feed or in a message."""

    id = fields.IntField(primary_key=True)
    practice = fields.ForeignKeyField("portal.Practice", related_name="patient_notes", on_delete=fields.RESTRICT)
    patient = fields.ForeignKeyField("portal.Patient", related_name="notes", on_delete=fields.CASCADE)
    practitioner = fields.ForeignKeyField("portal.Practitioner", related_name="patient_notes",
                                          on_delete=fields.RESTRICT)
    author_staff_id = fields.CharField(max_length=64)  # the staff member who wrote it (ctx.actor.name)
    text = fields.TextField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "patient_note"
        indexes = (("patient_id", "created_at"),)

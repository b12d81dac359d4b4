"""Indexes so that hot reads and deletions cost what they touch, not the table's history.

- Foreign keys that a deletion or an erasure follows (deleting a patient checks appointment,
  deleting an appointment cascades to outbox_message and nulls consent_record): without an
  index each of those is a scan of the child table (2 s per appointment at 1,000,000 rows).
- The outbox claim and lease release (notifier.claim) read only 'pending' and 'sending' rows:
  partial indexes hold just those, so their plans stay index reads after ANALYZE, however many
  sent rows the table keeps (with statistics, SQLite scanned the whole table for the release).
  The statements name the status as a literal, which lets both databases match the index's
  WHERE; a bound parameter would not.
- patient (practice_id, updated_at): the feed's ETag reads the practice's latest patient change
  as one index probe.
- practitioner (last_name, first_name, id), service (slug): a page of the practitioner list
  reads its own rows, whatever the number of practitioners.

Same SQL on SQLite and PostgreSQL. The names are ours (the models do not declare these).

Also periodic_job (portal.periodic): when each periodic job of the deployment is next due, so
that N processes run it once (kept in this one file so that the merge has one 0007 per topic).
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

INDEXES = {
    "appointment_patient_id": "appointment (patient_id)",
    "appointment_service_id": "appointment (service_id)",
    "appointment_practice_blocked_from": "appointment (practice_id, blocked_from)",
    "consent_record_appointment_id": "consent_record (appointment_id)",
    "consent_record_practice_id": "consent_record (practice_id)",
    "outbox_message_appointment_id": "outbox_message (appointment_id)",
    "outbox_message_practice_id": "outbox_message (practice_id)",
    "outbox_message_pending_due": "outbox_message (next_attempt_at, id) WHERE status = 'pending'",
    "outbox_message_sending_lease": "outbox_message (lease_until) WHERE status = 'sending'",
    "practitioner_practice_id": "practitioner (practice_id, id)",
    "opening_hours_practitioner_id": "opening_hours (practitioner_id)",
    "availability_exception_practitioner_id": "availability_exception (practitioner_id, start_date)",
    "patient_practice_updated_at": "patient (practice_id, updated_at)",
    "idempotency_record_created_at": "idempotency_record (created_at)",
    # The practitioner list's keyset pages (portal.web.api.catalog) and its service filter.
    "practitioner_name_order": "practitioner (last_name, first_name, id)",
    "service_slug": "service (slug)",
    # Foreign keys of the back-office's tables (staff, their sessions and keys, notes): disabling
    # an account or archiving a practitioner follows them.
    "staff_user_practitioner_id": "staff_user (practitioner_id)",
    "staff_user_practice_id": "staff_user (practice_id)",
    "staff_grant_practitioner_id": "staff_grant (practitioner_id)",
    "staff_passkey_staff_id": "staff_passkey (staff_id)",
    "staff_session_staff_id": "staff_session (staff_id)",
    "webauthn_challenge_staff_id": "webauthn_challenge (staff_id)",
    "patient_note_practitioner_id": "patient_note (practitioner_id)",
    "patient_note_practice_id": "patient_note (practice_id)",
}
# 0002's outbox_due (next_attempt_at) WHERE pending: outbox_message_pending_due also serves the
# claim's ORDER BY next_attempt_at, id.
REPLACED = {"outbox_due": "outbox_message (next_attempt_at) WHERE status = 'pending'"}


class Migration(migrations.Migration):
    dependencies = [("portal", "0011_abuse_limits")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PeriodicJob",
            fields=[
                ("id", fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("name", fields.CharField(max_length=64, unique=True)),
                ("next_run_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_run_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "periodic_job", "app": "portal", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.RunSQL(
            [f"CREATE INDEX {name} ON {target}" for name, target in INDEXES.items()]
            + [f"DROP INDEX {name}" for name in REPLACED],
            reverse_sql=[f"DROP INDEX {name}" for name in INDEXES]
            + [f"CREATE INDEX {name} ON {target}" for name, target in REPLACED.items()],
        ),
    ]

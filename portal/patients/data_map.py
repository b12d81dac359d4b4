"""The data map: every table, column and file that holds data about a patient.

Export, erasure, retention and the scan after erasure (the privacy centre) are driven by this
list, and a test holds it to the models: a column added to a table listed here must be named
either as patient data or as not personal, in the same commit, or the suite fails. A table whose
rows reach a patient (a `patient_id`, or an `appointment_id`) must be listed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str
    reaches_patient: str  # how a row leads to its patient: SQL over the table's own columns
    personal: tuple[str, ...]  # columns that hold or reveal something about the patient
    not_personal: tuple[str, ...]  # the other columns (ids, states, bookkeeping)
    retention: str  # what DOMAIN.md's rules make of it
    # What erasure (portal.patients.erasure) overwrites, column by column, and what it keeps.
    erased: tuple[str, ...] = ()
    kept: str = ""


@dataclass(frozen=True)
class Files:
    pattern: str  # relative to CRENEAU_VAR_DIR
    holds: str
    retention: str


TABLES: tuple[Table, ...] = (
    Table(
        "patient", "id",
        personal=("civility", "first_name", "last_name", "email", "phone", "birth_date", "locale", "search_key",
                  "created_at", "updated_at", "restricted_at", "restriction_reason"),
        not_personal=("id", "practice_id", "erased_at"),
        retention="the practice's retention after the last visit (contract + 2 months), or erasure on request",
        erased=("civility", "first_name", "last_name", "email", "phone", "birth_date", "search_key",
                "restriction_reason"),
        kept="the row, anonymised (birth date 1900-01-01): the pseudonym the kept consent proofs point at",
    ),
    Table(
        "appointment", "patient_id",
        personal=("patient_id", "starts_at", "ends_at", "blocked_from", "blocked_until", "status", "comment",
                  "contact_phone", "sms_reminder", "email_reminder", "locale", "created_at", "updated_at",
                  "cancelled_at", "cancel_reason", "source", "previous_starts_at", "hold_until",
                  # a child's appointment: the accompanying adult (the e-mail and mobile are theirs)
                  "guardian_first_name", "guardian_last_name"),
        not_personal=("id", "practice_id", "practitioner_id", "service_id", "version", "manage_token_hash",
                      "manage_token_sealed", "confirm_code_sealed", "confirm_attempts"),
        retention="the practice's contract + 2 months, or erasure on request (a visit history)",
        erased=("comment", "contact_phone", "cancel_reason", "manage_token_hash", "manage_token_sealed",
                "sms_reminder", "email_reminder", "guardian_first_name", "guardian_last_name"),
        kept="past slots as anonymous busy time (times, service, attendance); future ones are cancelled",
    ),
    Table(
        "patient_note", "patient_id",
        personal=("patient_id", "text", "created_at"),
        not_personal=("id", "practice_id", "practitioner_id", "author_staff_id"),
        retention="the practice's contract + 2 months, or erasure on request (never shown to the patient's "
                  "pages, feeds or messages: staff in scope only)",
        erased=("text",),
        kept="nothing: erasure deletes the patient's notes",
    ),
    Table(
        "consent_record", "patient_id",
        # given_by: "guardian" says the patient is a child whose adult consented on their behalf
        personal=("patient_id", "appointment_id", "purpose", "granted", "recorded_at", "channel", "ip", "given_by"),
        not_personal=("id", "practice_id", "text_version", "text_sha256"),
        retention="kept, minimal, as proof of consent for the legal term (append-only); IP blanked after 12 months",
        erased=("ip",),
        kept="purpose, granted, text version and hash, time, channel, given by whom: the proof, now of an "
             "anonymous patient",
    ),
    Table(
        "outbox_message", "(SELECT patient_id FROM appointment WHERE appointment.id = outbox_message.appointment_id)",
        personal=("appointment_id", "kind", "channel", "due_at", "sent_at", "status", "last_error", "provider_id",
                  "created_at"),
        not_personal=("id", "practice_id", "audience", "appointment_version", "dedupe_key", "expires_at",
                      "attempts", "next_attempt_at", "lease_until"),
        retention="the message log: with its appointment",
        erased=("last_error",),
        kept="kind, channel, dates and status (pending ones cancelled); no address or body is stored here",
    ),
    Table(
        "audit_event", "patient_id",
        personal=("patient_id", "ip", "at", "object_id"),
        not_personal=("id", "practice_id", "actor", "role", "action", "object_type", "detail", "channel"),
        retention="connection data: 13 months (append-only until then); IP blanked after 12 months",
        erased=("ip",),
        kept="who acted on which id, when: ids only, no patient data (the trigger allows blanking ip only)",
    ),
    Table(
        "idempotency_record", "(the booking's answer: manage link and ids)",
        personal=("body", "request_sha256"),
        not_personal=("id", "key", "status_code", "created_at"),
        retention="a day (creneau.maintenance)",
    ),
    Table(
        "privacy_link", "(SELECT id FROM patient WHERE patient.email = privacy_link.email)",
        personal=("email", "new_value", "created_at", "used_at"),
        not_personal=("id", "kind", "token_hash", "token_sealed", "expires_at", "session_hash", "outbox_message_id"),
        retention="deleted once expired (creneau purge)",
        erased=("*",),
        kept="nothing: the patient's links are deleted",
    ),
    Table(
        "throttle_counter", "(none: a SHA-256 of a phone number or a client network, portal.limits.counter)",
        personal=("key",),
        not_personal=("id", "window_start", "hits"),
        retention="2 days (creneau.maintenance)",
        kept="hashed counters only, gone within two days: erasure leaves them to expire",
    ),
)

FILES: tuple[Files, ...] = (
    Files("outbox/*.eml", "e-mails as sent by the file backend: name, address, appointment, manage link",
          "development and demo only (EMAIL_BACKEND=file): deleted at erasure, and after OUTBOX_FILE_DAYS"),
    Files("outbox/*.txt", "SMS as sent by the file backend: number, appointment, manage link",
          "development and demo only (SMS_BACKEND=file): deleted at erasure, and after OUTBOX_FILE_DAYS"),
)
# Message files are named after their outbox row (notifier.mime.message_id, the SMS client_ref).
OUTBOX_FILE_PREFIX = "outbox-"


def table(name: str) -> Table:
    return next(entry for entry in TABLES if entry.name == name)

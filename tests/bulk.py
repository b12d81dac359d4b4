"""Large histories in bulk SQL, for the plan tests and `make bench` (the ORM would take minutes
for a million rows): a recursive CTE on SQLite, generate_series on PostgreSQL, one statement per
table. Rows are past, non-overlapping half-hours (the overlap guards still run on each row)."""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise import connections

# The confirmation step's columns first (0011: a booked row has no code and no attempt).
_APPOINTMENT_COLUMNS = (
    "confirm_code_sealed, confirm_attempts, starts_at, ends_at, blocked_from, blocked_until, status, sms_reminder, email_reminder, comment, source, "
    "version, locale, manage_token_hash, manage_token_sealed, contact_phone, created_at, updated_at, "
    "cancelled_at, patient_id, practice_id, practitioner_id, service_id"
)
_OUTBOX_COLUMNS = (
    "kind, channel, audience, appointment_version, dedupe_key, due_at, expires_at, status, attempts, "
    "next_attempt_at, lease_until, last_error, provider_id, sent_at, created_at, appointment_id, practice_id"
)
_PATIENT_COLUMNS = ("civility, first_name, last_name, email, phone, birth_date, locale, created_at, updated_at, "
                    "practice_id, search_key")

# No online limit first (0011: 0 is "no limit").
_PRACTITIONER_COLUMNS = ("online_bookings_per_hour, online_bookings_per_day, slug, title, first_name, last_name, profession, rpps, adeli, email, phone, bio, bookable, "
                         "slot_step_minutes, daily_limit, created_at, practice_id")
_SERVICE_COLUMNS = ("slug, name, name_en, duration_minutes, buffer_before_minutes, buffer_after_minutes, "
                    "min_notice_minutes, horizon_days, bookable_online, position, price_cents, audience, practitioner_id")

_SQLITE_SERIES = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
_SQLITE = {
    # Times as tortoise stores them on SQLite ('2026-11-30 08:00:00+00:00').
    "appointment": _SQLITE_SERIES + f"""INSERT INTO appointment ({_APPOINTMENT_COLUMNS})
        SELECT '', 0, s || '+00:00', e || '+00:00', s || '+00:00', e || '+00:00', 'came', 0, 0, '', 'bulk', 1, 'fr',
               'bulk-' || ? || '-' || i, '', '', s || '+00:00', s || '+00:00', NULL,
               ? + (i % ?), ?, ?, ?
        FROM (SELECT i, datetime(?, '-' || (i * 30) || ' minutes') AS s,
                        datetime(?, '-' || (i * 30 - 30) || ' minutes') AS e FROM n)""",
    "patient": _SQLITE_SERIES + f"""INSERT INTO patient ({_PATIENT_COLUMNS})
        SELECT 'mme', 'Bulk', 'Patient ' || i, 'bulk' || i || '@example.org', '', '1980-01-01', 'fr', ?, ?, ?,
               'patient ' || i || ' bulk bulk' || i || '@example.org'
        FROM n""",
    "outbox": _SQLITE_SERIES + f"""INSERT INTO outbox_message ({_OUTBOX_COLUMNS})
        SELECT 'reminder', 'email', 'patient', 1, 'bulk-' || ? || '-' || i, ?, ?, ?, 1, ?, ?, '', '', NULL, ?,
               NULL, ?
        FROM n""",
}
_SQLITE["practitioner"] = _SQLITE_SERIES + f"""INSERT INTO practitioner ({_PRACTITIONER_COLUMNS})
    SELECT 0, 0, ? || '-' || i, '', 'Prénom' || (i % 3), 'Nom' || (i % 7), ?, NULL, NULL, '', '', '', 1, 15, NULL, ?, ?
    FROM n"""
_SQLITE["hours"] = """INSERT INTO opening_hours (weekday, starts, ends, kind, practitioner_id)
    SELECT 0, 540, 1080, 'open', id FROM practitioner WHERE slug LIKE ? || '-%'"""
_SQLITE["service"] = f"""INSERT INTO service ({_SERVICE_COLUMNS})
    SELECT ?, 'Consultation', '', 30, 0, 0, 0, 60, 1, 0, NULL, 'adult', id FROM practitioner WHERE slug LIKE ? || '-%'"""
# Many practitioners' histories in one statement: `per` half-hours back from `before` for each of
# the practitioners `tag-…` (by id, OFFSET/LIMIT), each with its own first service.
_SQLITE["spread"] = _SQLITE_SERIES + f"""INSERT INTO appointment ({_APPOINTMENT_COLUMNS})
    SELECT '', 0, s || '+00:00', e || '+00:00', s || '+00:00', e || '+00:00', 'came', 0, 0, '', 'bulk', 1, 'fr',
           'spread-' || p.id || '-' || i, '', '', s || '+00:00', s || '+00:00', NULL,
           ? + ((p.id * 7919 + i) % ?), ?, p.id, (SELECT MIN(id) FROM service WHERE practitioner_id = p.id)
    FROM (SELECT id FROM practitioner WHERE slug LIKE ? || '-%' ORDER BY id LIMIT ? OFFSET ?) AS p,
         (SELECT i, datetime(?, '-' || (i * 30) || ' minutes') AS s,
                    datetime(?, '-' || (i * 30 - 30) || ' minutes') AS e FROM n) AS t"""
_POSTGRES = {
    "spread": f"""INSERT INTO appointment ({_APPOINTMENT_COLUMNS})
        SELECT '', 0, s, s + interval '30 minutes', s, s + interval '30 minutes', 'came', false, false, '', 'bulk', 1,
               'fr', 'spread-' || p.id || '-' || i, '', '', s, s, NULL, $2::int + ((p.id * 7919 + i) % $3::int),
               $4::int, p.id, (SELECT MIN(id) FROM service WHERE practitioner_id = p.id)
        FROM (SELECT id FROM practitioner WHERE slug LIKE $5::text || '-%' ORDER BY id LIMIT $6 OFFSET $7) AS p,
             (SELECT i, $8::timestamptz - i * interval '30 minutes' AS s FROM generate_series(1, $1) AS i) AS t""",
    "practitioner": f"""INSERT INTO practitioner ({_PRACTITIONER_COLUMNS})
        SELECT 0, 0, $2::text || '-' || i, '', 'Prénom' || (i % 3), 'Nom' || (i % 7), $3::text, NULL, NULL, '', '', '',
               true, 15, NULL, $4::timestamptz, $5::int
        FROM generate_series(1, $1) AS i""",
    "hours": """INSERT INTO opening_hours (weekday, starts, ends, kind, practitioner_id)
        SELECT 0, 540, 1080, 'open', id FROM practitioner WHERE slug LIKE $1::text || '-%'""",
    "service": f"""INSERT INTO service ({_SERVICE_COLUMNS})
        SELECT $1::text, 'Consultation', '', 30, 0, 0, 0, 60, true, 0, NULL, 'adult', id FROM practitioner
        WHERE slug LIKE $2::text || '-%'""",
    "appointment": f"""INSERT INTO appointment ({_APPOINTMENT_COLUMNS})
        SELECT '', 0, s, s + interval '30 minutes', s, s + interval '30 minutes', 'came', false, false, '', 'bulk', 1,
               'fr', 'bulk-' || $2::text || '-' || i, '', '', s, s, NULL, $3::int + (i % $4::int), $5::int, $6::int, $7::int
        FROM (SELECT i, $8::timestamptz - i * interval '30 minutes' AS s FROM generate_series(1, $1) AS i) AS t""",
    "patient": f"""INSERT INTO patient ({_PATIENT_COLUMNS})
        SELECT 'mme', 'Bulk', 'Patient ' || i, 'bulk' || i || '@example.org', '', DATE '1980-01-01', 'fr', $2::timestamptz,
               $3::timestamptz, $4::int, 'patient ' || i || ' bulk bulk' || i || '@example.org'
        FROM generate_series(1, $1) AS i""",
    "outbox": f"""INSERT INTO outbox_message ({_OUTBOX_COLUMNS})
        SELECT 'reminder', 'email', 'patient', 1, 'bulk-' || $2::text || '-' || i, $3::timestamptz, $4::timestamptz,
               $5::text, 1, $6::timestamptz, $7::timestamptz, '', '', NULL, $8::timestamptz, NULL, $9::int
        FROM generate_series(1, $1) AS i""",
}


def _is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


def _time(value: datetime | None):
    if value is None or _is_postgres():
        return value
    return str(value.astimezone(UTC))


async def _run(name: str, params: list) -> None:
    conn = connections.get("default")
    await conn.execute_query((_POSTGRES if _is_postgres() else _SQLITE)[name], params)


async def seed_patients(practice_id: int, count: int, now: datetime) -> int:
    """`count` patients; returns the first new id (ids are consecutive)."""
    conn = connections.get("default")
    before = (await conn.execute_query_dict("SELECT COALESCE(MAX(id), 0) AS top FROM patient"))[0]["top"]
    await _run("patient", [count, _time(now), _time(now), practice_id])
    return before + 1


async def seed_practitioners(practice_id: int, count: int, *, tag: str, profession: str, service: str,
                             now: datetime) -> None:
    """`count` bookable practitioners with slugs `tag-1` … (names repeat: 7 last names, 3 first
    names), each offering one service `service` and open on Mondays (patients are offered only
    a practitioner with hours and a service online)."""
    await _run("practitioner", [count, tag, profession, _time(now), practice_id])
    await _run("service", [service, tag])
    await _run("hours", [tag])


async def seed_history(practitioner_id: int, service_id: int, practice_id: int, *, count: int, before: datetime,
                       first_patient: int, patients: int) -> None:
    """`count` past appointments of one practitioner, back to back, the latest ending at `before`,
    spread over the patients first_patient … first_patient + patients - 1."""
    tag = f"{practitioner_id}-{before:%Y%m%d%H%M}"
    if _is_postgres():
        params = [count, tag, first_patient, patients, practice_id, practitioner_id, service_id, before]
    else:
        stamp = before.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        params = [count, tag, first_patient, patients, practice_id, practitioner_id, service_id, stamp, stamp]
    await _run("appointment", params)


async def seed_spread_history(practice_id: int, *, tag: str, practitioners: int, offset: int = 0, per: int,
                              before: datetime, first_patient: int, patients: int) -> None:
    """`per` past appointments for each of `practitioners` practitioners `tag-…` (seed_practitioners),
    skipping the first `offset` of them: a deployment's history spread as it would be."""
    if _is_postgres():
        params = [per, first_patient, patients, practice_id, tag, practitioners, offset, before]
    else:
        stamp = before.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        params = [per, first_patient, patients, practice_id, tag, practitioners, offset, stamp, stamp]
    await _run("spread", params)


async def seed_outbox(practice_id: int, *, count: int, status: str, now: datetime, tag: str,
                      lease_until: datetime | None = None) -> None:
    """`count` outbox rows in one status (e-mail reminders with no appointment)."""
    await _run("outbox", [count, tag, _time(now), _time(now), status, _time(now), _time(lease_until),
                          _time(now), practice_id])


async def analyze() -> None:
    """Statistics, as a live database gathers them: plans must stay right with them."""
    await connections.get("default").execute_script("ANALYZE")

"""The OpenAPI 3.1 description of /api/v1 and /healthz, written by hand to match routes.py.

The suite holds it to the code (tests/api/test_openapi_conformance.py): every route is
documented, and a bounded, seeded schemathesis run checks real answers against it (status codes,
bodies, headers, no 5xx)."""

from __future__ import annotations

from functools import lru_cache

from portal.booking.models import AppointmentStatus
from portal.practice.languages import LANGUAGES

# Every error code the API answers, by status (the `code` of the error body).
ERROR_CODES = {
    400: ["error", "http_error"],
    404: ["not_found"],
    405: ["method_not_allowed"],
    409: ["slot_taken", "cutoff_passed", "not_allowed", "request_in_progress"],
    413: ["too_large"],
    415: ["unsupported_media_type"],
    422: ["invalid_fields", "idempotency_key_reused"],
    429: ["too_many_requests", "online_bookings_paused"],
    500: ["internal_error"],
}
ERROR_TEXT = {
    400: "A request the API cannot read",
    404: "Unknown practitioner, service or booking",
    405: "Method not allowed on this path (the Allow header lists the allowed ones)",
    409: "`slot_taken` (with `nearest`: the closest free starts), `cutoff_passed` (past the practice's "
         "cancellation cut-off), `not_allowed` (already cancelled, or in the past), `request_in_progress` "
         "(the same Idempotency-Key is being answered: retry after Retry-After seconds)",
    413: "Body over MAX_REQUEST_BYTES",
    415: "A JSON endpoint given another Content-Type",
    422: "`invalid_fields` (one message per field in `fields`; also a query parameter holding text no "
         "database can store, such as a NUL character), or `idempotency_key_reused` (the key served another "
         "request body)",
    429: "`too_many_requests` (this client or phone number), or `online_bookings_paused` (the practitioner's "
         "hourly or daily limit of online bookings): retry after Retry-After seconds",
    500: "`internal_error`: never a stack trace",
}
DATE_TIME = {"type": "string", "format": "date-time"}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying",
                               "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
REPLAYED = {"Idempotent-Replayed": {"description": "`true` when this is the stored answer to an earlier request "
                                                   "with the same Idempotency-Key",
                                    "schema": {"type": "string", "enum": ["true"]}}}


def _error(status: int) -> dict:
    return {
        "type": "object", "required": ["error"], "additionalProperties": False,
        "properties": {"error": {
            "type": "object", "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "enum": ERROR_CODES[status]},
                "message": {"type": "string",
                            "description": "In the caller's language (Accept-Language; French by default)"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"},
                           "description": "One message per invalid field, e.g. `patient.email`; `{}` when no "
                                          "field is at fault."},
                "nearest": {"type": "array", "items": DATE_TIME,
                            "description": "With slot_taken: the closest free starts."},
            },
        }},
    }


def _strict(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": [name for name in properties if name not in optional]}


SLOT = _strict({"start": DATE_TIME, "end": DATE_TIME})
SERVICE = _strict({"slug": {"type": "string"}, "name": {"type": "string"}, "name_en": {"type": "string"},
                   "duration_minutes": {"type": "integer"},
                   "audience": {"type": "string", "enum": ["adult", "child", "all"],
                                "description": "Who the service is for: `adult`, `child` (a booking must give "
                                               "`child`), or `all` (either)."}})
PRACTITIONER = _strict({
    "slug": {"type": "string"}, "name": {"type": "string"}, "profession": {"type": "string"},
    "languages": {"type": "array", "items": {"type": "string", "enum": list(LANGUAGES)},
                  "description": "Languages the practitioner speaks with patients: ISO 639-1 codes (fsl: ISO "
                                 "639-3, French Sign Language), in a fixed order"},
    "practice": _strict({"slug": {"type": "string"}, "name": {"type": "string"}, "address": {"type": "string"},
                         "timezone": {"type": "string"}}),
    "services": {"type": "array", "items": SERVICE},
})
PATIENT = {
    "type": "object", "required": ["first_name", "last_name", "email", "phone"],
    "description": "The person booking for themselves; with `child`, the adult accompanying the child (their "
                   "e-mail and mobile receive the messages, and they give the consents on the child's behalf). "
                   "`birth_date` is required unless `child` is given (then it is neither required nor kept).",
    "properties": {
        "civility": {"type": "string", "enum": ["", "mme", "m"]},
        "first_name": {"type": "string", "maxLength": 100}, "last_name": {"type": "string", "maxLength": 100},
        "email": {"type": "string", "format": "email"},
        "phone": {"type": "string", "description": "Mobile number, national French or international format; stored E.164."},
        "birth_date": {"type": "string", "format": "date"},
    },
}
CHILD = {
    "type": "object", "required": ["first_name", "last_name", "birth_date"],
    "description": "A child's booking (a service whose `audience` is `child` or `all`): the child seen, a minor "
                   "on the day of the appointment. Refused (422, field `child`) for a service for adults; "
                   "required by a service for children.",
    "properties": {
        "first_name": {"type": "string", "maxLength": 100}, "last_name": {"type": "string", "maxLength": 100},
        "birth_date": {"type": "string", "format": "date"},
    },
}
BOOKING_IN = {
    "type": "object", "required": ["practitioner", "service", "start", "patient", "consents"],
    "properties": {
        "practitioner": {"type": "string"}, "service": {"type": "string"},
        "start": DATE_TIME, "patient": PATIENT, "child": CHILD,
        "consents": {"type": "object", "required": ["privacy_notice"], "properties": {
            "privacy_notice": {"type": "string", "description": "The `version` of GET /api/v1/privacy-notice."},
            "email_reminders": {"type": "boolean", "default": False},
            "sms_reminders": {"type": "boolean", "default": False}}},
        "comment": {"type": "string", "maxLength": 1000},
    },
}
# An appointment's status is the practice's own vocabulary: `not_filled` is a booking made and
# confirmed whose attendance is not recorded yet (what a new booking is), `held` one waiting for the
# patient's code (the practice asks for a confirmation), then what the practice records.
STATUS = {"type": "string", "enum": [status.value for status in AppointmentStatus],
          "description": "`not_filled`: booked, attendance not recorded yet (a new booking); `held`: waiting for "
                         "the code sent to the patient (POST …/confirm); `cancelled_by_patient`, "
                         "`cancelled_by_practitioner`; after the visit, as the practice records it: `came`, "
                         "`absent`, `excused_absence`, `late`, `to_confirm`."}
BOOKING_OUT = _strict({
    "id": {"type": "integer"}, "status": STATUS, "start": DATE_TIME, "end": DATE_TIME,
    "manage_url": {"type": ["string", "null"], "format": "uri",
                   "description": "The patient's secret link; null on a replay if it can no longer be read"}})
MANAGED = _strict({
    "id": {"type": "integer"}, "status": STATUS, "start": DATE_TIME, "end": DATE_TIME,
    "practitioner": {"type": "string"}, "service": {"type": "string"}, "version": {"type": "integer"},
    "reminders": _strict({"email": {"type": "boolean"}, "sms": {"type": "boolean"}}),
    "changeable": {"type": "boolean"}, "change_deadline": DATE_TIME})
PRIVACY_NOTICE = _strict({
    "version": {"type": "string", "description": "Send it back as `consents.privacy_notice`"},
    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$",
               "description": "SHA-256 of the notice's text in the caller's language (what the consent ledger keeps)"},
    "url": {"type": "string", "format": "uri", "description": "The notice to show"}})
HEALTH = {
    "type": "object", "required": ["database"],
    "properties": {
        "database": {"type": "string", "enum": ["ok", "unreachable"]},
        "migrations": {"oneOf": [{"type": "string", "enum": ["ok"]},
                                 _strict({"pending": {"type": "array", "items": {"type": "string"}}})]},
        "outbox": _strict({"due": {"type": "integer", "description": "Messages due and not sent yet"},
                           "oldest_due_s": {"type": ["integer", "null"],
                                            "description": "Seconds the oldest of them has been due"}}),
    },
}


def _json(schema: dict, description: str, headers: dict | None = None) -> dict:
    answer: dict = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _errors(*codes: int) -> dict:
    """The error answers of an operation; 405, 500 and 422 can come from any (422: a query
    parameter, documented or not, holding text no database can store — portal.web.text_guard)."""
    headers = {429: RETRY_AFTER, 409: RETRY_AFTER, 405: {"Allow": {"schema": {"type": "string"}}}}
    return {str(code): _json(_error(code), ERROR_TEXT[code], headers.get(code))
            for code in sorted({*codes, 405, 422, 500})}


JSON_BODY_ERRORS = (400, 413, 415, 422)


@lru_cache(maxsize=4)
def openapi_document(base_url: str) -> dict:
    token = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"},
             "description": "The manage token of the patient's link"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Créneau API", "version": "1.0.0",
                 "description": "Times are RFC 3339 with offset; dates are YYYY-MM-DD in the practice's time zone. "
                                "Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}` (`fields` is `{}` when "
                                "no field is at fault), messages in the caller's language (Accept-Language, French by "
                                "default)."},
        "servers": [{"url": base_url}],
        "paths": {
            "/healthz": {"get": {
                "operationId": "health",
                "summary": "Database, migrations and outbox backlog (load balancers, monitoring)",
                "responses": {"200": _json(HEALTH, "Healthy"),
                              "503": _json(HEALTH, "The failing part is named: database unreachable, or pending "
                                                   "migrations"), **_errors()}}},
            "/api/v1/openapi.json": {"get": {
                "operationId": "openapi", "summary": "This document",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1"), **_errors()}}},
            "/api/v1/privacy-notice": {"get": {
                "operationId": "getPrivacyNotice",
                "summary": "The privacy notice in force: show it, and send its version back when booking",
                "responses": {"200": _json(PRIVACY_NOTICE, "Privacy notice"), **_errors()}}},
            "/api/v1/practitioners": {"get": {
                "operationId": "listPractitioners",
                "summary": "Bookable practitioners with their public profile and services, a page at a time",
                "description": "Ordered by last name, first name. Pass `next` back as `cursor` for the following "
                               "page; `next` is null on the last one. Filters combine (and).",
                "parameters": [
                    {"name": "practice", "in": "query", "schema": {"type": "string"}, "description": "practice slug"},
                    {"name": "profession", "in": "query", "schema": {"type": "string", "maxLength": 100},
                     "description": "exact profession, e.g. Ostéopathe"},
                    {"name": "service", "in": "query", "schema": {"type": "string"},
                     "description": "slug of a service bookable online"},
                    {"name": "postcode", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{5}$"},
                     "description": "the practice's postcode, exactly (Corsica: 20xxx)"},
                    {"name": "city", "in": "query", "schema": {"type": "string", "maxLength": 100},
                     "description": "the practice's city, whole; any case, accents, hyphens or apostrophes "
                                    "(\"saint etienne\" finds Saint-Étienne)"},
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"},
                     "description": "`next` of the previous page"}],
                "responses": {"200": _json(_strict({"items": {"type": "array", "items": PRACTITIONER},
                                                    "next": {"type": ["string", "null"]}}), "Practitioners"),
                              **_errors()}}},
            "/api/v1/practitioners/{slug}/slots": {"get": {
                "operationId": "listSlots", "summary": "Free slots of a service over at most 62 days",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "service", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": _json(_strict({"timezone": {"type": "string"},
                                                    "slots": {"type": "array", "items": SLOT}}), "Slots"),
                              **_errors(400, 404, 422)}}},
            "/api/v1/bookings": {"post": {
                "operationId": "createBooking", "summary": "Book a slot, with the patient's consents",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 255},
                                "description": "Replaying the same key returns the first answer (never a 429 or "
                                               "5xx: those may be retried with the same key)."}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": BOOKING_IN}}},
                "responses": {"201": _json(BOOKING_OUT, "Booked", REPLAYED),
                              **_errors(*JSON_BODY_ERRORS, 404, 409, 429)}}},
            "/api/v1/bookings/{token}": {"get": {
                "operationId": "getBooking", "summary": "The patient's own booking", "parameters": [token],
                "responses": {"200": _json(MANAGED, "Booking"), **_errors(400, 404)}}},
            "/api/v1/bookings/{token}/cancel": {"post": {
                "operationId": "cancelBooking", "summary": "Cancel, before the practice's cut-off",
                "parameters": [token],
                "responses": {"200": _json(MANAGED, "Cancelled"), **_errors(400, 404, 409)}}},
            "/api/v1/bookings/{token}/reschedule": {"post": {
                "operationId": "rescheduleBooking", "summary": "Move to another free slot, before the cut-off",
                "parameters": [token],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["start"], "properties": {"start": DATE_TIME}}}}},
                "responses": {"200": _json(MANAGED, "Moved"), **_errors(*JSON_BODY_ERRORS, 404, 409)}}},
            "/api/v1/bookings/{token}/confirm": {"post": {
                "operationId": "confirmBooking",
                "summary": "Confirm a held booking (status held: the practice asks for a confirmation) with the "
                           "6-digit code sent to the patient; 5 wrong codes or 10 minutes release it",
                "parameters": [token],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}}}},
                "responses": {"200": _json(MANAGED, "Confirmed"), **_errors(*JSON_BODY_ERRORS, 404, 409)}}},
        },
    }

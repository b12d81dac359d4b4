"""The OpenAPI 3.1 description of /api/v1, written by hand to match routes.py."""

from __future__ import annotations

from functools import lru_cache

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {
            "code": {"type": "string",
                     "examples": ["slot_taken", "invalid_fields", "not_found", "request_in_progress"]},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "One message per invalid field, e.g. `patient.email`."},
            "nearest": {"type": "array", "items": {"type": "string", "format": "date-time"},
                        "description": "With slot_taken: the closest free starts."},
        },
    }},
}
SLOT = {"type": "object", "properties": {"start": {"type": "string", "format": "date-time"},
                                          "end": {"type": "string", "format": "date-time"}}}
PATIENT = {
    "type": "object", "required": ["first_name", "last_name", "email", "phone", "birth_date"],
    "properties": {
        "civility": {"type": "string", "enum": ["", "mme", "m"]},
        "first_name": {"type": "string", "maxLength": 100}, "last_name": {"type": "string", "maxLength": 100},
        "email": {"type": "string", "format": "email"},
        "phone": {"type": "string", "description": "Mobile number, national French or international format; stored E.164."},
        "birth_date": {"type": "string", "format": "date"},
    },
}
BOOKING_IN = {
    "type": "object", "required": ["practitioner", "service", "start", "patient", "consents"],
    "properties": {
        "practitioner": {"type": "string"}, "service": {"type": "string"},
        "start": {"type": "string", "format": "date-time"}, "patient": PATIENT,
        "consents": {"type": "object", "required": ["privacy_notice"], "properties": {
            "privacy_notice": {"type": "string", "description": "Version of the privacy notice shown (see /privacy)."},
            "email_reminders": {"type": "boolean", "default": False},
            "sms_reminders": {"type": "boolean", "default": False}}},
        "comment": {"type": "string", "maxLength": 1000},
    },
}
BOOKING_OUT = {"type": "object", "properties": {
    "id": {"type": "integer"}, "status": {"type": "string"}, "start": {"type": "string", "format": "date-time"},
    "end": {"type": "string", "format": "date-time"}, "manage_url": {"type": "string", "format": "uri"}}}
MANAGED = {"type": "object", "properties": {
    "id": {"type": "integer"}, "status": {"type": "string"}, "start": {"type": "string", "format": "date-time"},
    "end": {"type": "string", "format": "date-time"}, "practitioner": {"type": "string"}, "service": {"type": "string"},
    "version": {"type": "integer"}, "reminders": {"type": "object"}, "changeable": {"type": "boolean"},
    "change_deadline": {"type": "string", "format": "date-time"}}}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int, conflict: str = "Slot taken, or past the cancellation cut-off") -> dict:
    text = {404: "Unknown practitioner, service or booking", 409: conflict,
            422: "Invalid fields, one message per field", 429: "Too many requests"}
    return {str(code): _json(ERROR, text[code]) for code in codes}


@lru_cache(maxsize=4)
def openapi_document(base_url: str) -> dict:
    token = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Créneau API", "version": "1.0.0",
                 "description": "Times are RFC 3339 with offset; dates are YYYY-MM-DD in the practice's time zone."},
        "servers": [{"url": base_url}],
        "paths": {
            "/api/v1/practitioners": {"get": {
                "summary": "Bookable practitioners with their public profile and services",
                "parameters": [{"name": "practice", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": _json({"type": "object"}, "Practitioners")}}},
            "/api/v1/practitioners/{slug}/slots": {"get": {
                "summary": "Free slots of a service over at most 62 days",
                "parameters": [
                    {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "service", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                    {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "timezone": {"type": "string"}, "slots": {"type": "array", "items": SLOT}}}, "Slots"),
                    **_errors(404, 422)}}},
            "/api/v1/bookings": {"post": {
                "summary": "Book a slot, with the patient's consents",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string", "maxLength": 255},
                                "description": "Replaying the same key returns the first answer."}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": BOOKING_IN}}},
                "responses": {"201": _json(BOOKING_OUT, "Booked"), **_errors(
                    404, 409, 422, 429, conflict="slot_taken (with the nearest free starts), or request_in_progress: "
                    "the same Idempotency-Key is being answered; retry after Retry-After seconds")}}},
            "/api/v1/bookings/{token}": {"get": {
                "summary": "The patient's own booking", "parameters": [token],
                "responses": {"200": _json(MANAGED, "Booking"), **_errors(404)}}},
            "/api/v1/bookings/{token}/cancel": {"post": {
                "summary": "Cancel, before the practice's cut-off", "parameters": [token],
                "responses": {"200": _json(MANAGED, "Cancelled"), **_errors(404, 409)}}},
            "/api/v1/bookings/{token}/reschedule": {"post": {
                "summary": "Move to another free slot, before the cut-off", "parameters": [token],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["start"], "properties": {"start": {"type": "string", "format": "date-time"}}}}}},
                "responses": {"200": _json(MANAGED, "Moved"), **_errors(404, 409, 422)}}},
            "/api/v1/bookings/{token}/confirm": {"post": {
                "summary": "Confirm a held booking (status held: the practice asks for a confirmation) with the "
                           "6-digit code sent to the patient; 5 wrong codes or 10 minutes release it",
                "parameters": [token],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}}}},
                "responses": {"200": _json(MANAGED, "Confirmed"), **_errors(404, 409, 422)}}},
        },
    }

"""Domain errors. Routes map each to one HTTP answer, once, in exception handlers."""

from __future__ import annotations

from datetime import datetime

from portal.patient_input import FieldErrors

__all__ = ["DomainError", "FieldErrors", "NotFound", "SlotTaken", "CutoffPassed", "NotAllowed", "IdempotencyMismatch"]


class DomainError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code, status = "not_found", 404


class SlotTaken(DomainError):
    """The slot was free when shown and is not any more (or overlaps another booking)."""

    code, status = "slot_taken", 409

    def __init__(self, message: str = "Ce créneau vient d'être réservé.", nearest: list[datetime] | None = None):
        super().__init__(message)
        self.nearest = nearest or []


class CutoffPassed(DomainError):
    code, status = "cutoff_passed", 409


class NotAllowed(DomainError):
    """The booking is in a state that does not allow this (already cancelled, in the past…)."""

    code, status = "not_allowed", 409


class IdempotencyMismatch(DomainError):
    code, status = "idempotency_key_reused", 422

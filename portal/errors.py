"""Domain errors. Routes map each to one HTTP answer, once, in exception handlers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from portal.patients.input import FieldErrors

__all__ = ["DomainError", "FieldErrors", "NotFound", "SlotTaken", "CutoffPassed", "NotAllowed", "IdempotencyMismatch"]


class DomainError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, **params: object) -> None:
        """`message` is a French source string with %(name)s placeholders, translated at the
        edge and then filled with `params` (so one catalog entry serves every value)."""
        super().__init__(message % params if params else message)
        self.template = message
        self.params = params
        self.message = str(self)

    def translated(self, translate: Callable[[str], str]) -> str:
        text = translate(self.template)
        return text % self.params if self.params else text


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

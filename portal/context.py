"""Who acts, on what, when: the context every use case receives first.

Web requests, the CLI, the worker, the calendar sync and provider webhooks each build one, and
pass it down; use cases check access against it (portal.access), take the time from it (the only
clock of a use case) and record it in the audit trail (portal.audit). Freezing time in a test is
building a context with the instant wanted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from portal.clock import utcnow


class ActorKind(StrEnum):
    VISITOR = "visitor"  # anyone on the public pages or API, booking online without an account
    PATIENT = "patient"  # someone holding a secret link: to a booking (manage token) or a privacy centre
    STAFF = "staff"  # a signed-in practitioner, assistant or administrator
    SYSTEM = "system"  # the worker, the calendar sync, the purge, an operator's CLI command
    PROVIDER = "provider"  # a provider's signed webhook (Vonage receipts and replies)


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    name: str = ""  # staff user id, "worker", "sync", "cli", "vonage"…: who, for the audit trail
    role: str = ""  # a staff member's role: admin, practitioner, assistant

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}" if self.name else str(self.kind)


@dataclass(frozen=True)
class Scope:
    """What the actor may touch. None means no limit at that level: the system sees every
    practice; a visitor sees every practice's public catalogue; a staff member only theirs."""

    practice_ids: frozenset[int] | None = None
    practitioner_ids: frozenset[int] | None = None
    # A privacy-centre link opens the patient records of one address: those, nothing else.
    patient_ids: frozenset[int] | None = None

    def allows(self, practice_id: int, practitioner_id: int | None = None) -> bool:
        if self.practice_ids is not None and practice_id not in self.practice_ids:
            return False
        if practitioner_id is not None and self.practitioner_ids is not None:
            return practitioner_id in self.practitioner_ids
        return True


EVERYTHING = Scope()


@dataclass(frozen=True)
class Ctx:
    actor: Actor
    now: datetime
    scope: Scope = field(default=EVERYTHING)
    channel: str = ""  # web, api, sms, cli, worker, sync, admin: recorded with consents and audit events
    ip: str = ""
    locale: str = "fr"

    def at(self, now: datetime) -> Ctx:
        """The same actor at another instant (a long-running loop's next round)."""
        return replace(self, now=now)


def visitor(channel: str, *, ip: str = "", locale: str = "fr", now: datetime | None = None) -> Ctx:
    return Ctx(Actor(ActorKind.VISITOR), now or utcnow(), channel=channel, ip=ip, locale=locale)


def patient(channel: str, *, ip: str = "", locale: str = "fr", now: datetime | None = None) -> Ctx:
    """A visitor who presents a manage token: what they may touch is the booking it opens."""
    return Ctx(Actor(ActorKind.PATIENT), now or utcnow(), channel=channel, ip=ip, locale=locale)


def privacy_centre(patient_ids: frozenset[int], practice_ids: frozenset[int], *, ip: str = "", locale: str = "fr",
                   now: datetime | None = None) -> Ctx:
    """A patient holding a privacy-centre link: the records it opens (one per practice they dealt
    with, all under the address the link was sent to), and nothing else."""
    return Ctx(Actor(ActorKind.PATIENT, "privacy"), now or utcnow(),
               Scope(practice_ids=practice_ids, patient_ids=patient_ids), channel="web", ip=ip, locale=locale)


def system(name: str, *, now: datetime | None = None) -> Ctx:
    return Ctx(Actor(ActorKind.SYSTEM, name), now or utcnow(), channel=name)


def provider(name: str, *, now: datetime | None = None) -> Ctx:
    return Ctx(Actor(ActorKind.PROVIDER, name), now or utcnow(), channel="sms")

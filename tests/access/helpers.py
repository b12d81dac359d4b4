"""Staff accounts for tests, created through the real use cases over the demo practice."""

from __future__ import annotations

from datetime import timedelta

import pyotp

from portal.access import accounts
from portal.access.models import StaffUser
from portal.models import Practice, Practitioner
from portal.practice.demo import DEMO_PRACTICE
from tests.builders import SECRET_KEY, system

PASSWORD = "correct horse battery staple 42"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def add_staff(now, email: str = "admin@cabinet-des-lilas.example", role: str = "admin", *,
                    practice: str = DEMO_PRACTICE, practitioner: str | None = None, grants: tuple[str, ...] = (),
                    totp: bool = False) -> tuple[StaffUser, list[str]]:
    """An account with PASSWORD; with `totp`, enrolled with TOTP_SECRET (returns its recovery codes)."""
    home = await Practice.get(slug=practice)
    linked = await Practitioner.get(slug=practitioner) if practitioner else None
    granted = [await Practitioner.get(slug=slug) for slug in grants]
    user, _ = await accounts.add_user(system(now), email, role, home, practitioner=linked, password=PASSWORD,
                                      grants=granted)
    codes: list[str] = []
    if totp:  # enrolled two minutes ago: the code of `now` is still unused
        enrolled = now - timedelta(minutes=2)
        code = pyotp.TOTP(TOTP_SECRET).at(enrolled)
        codes = await accounts.enrol_totp(system(enrolled), user, TOTP_SECRET, code, SECRET_KEY) or []
    return user, codes


def totp_code(at) -> str:
    return pyotp.TOTP(TOTP_SECRET).at(at)

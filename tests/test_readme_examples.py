"""The README's "Try it" commands work as a newcomer copies them (contract check)."""

from __future__ import annotations

import re
from pathlib import Path

from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_the_booking_example_sends_the_privacy_notice_in_force():
    # An older version is refused (422 consents.privacy_notice): the example must follow the notice.
    sent = re.findall(r'"privacy_notice": "([^"]+)"', README)
    assert sent and set(sent) == {PRIVACY_NOTICE_VERSION}

"""One phone normaliser: every spelling of a number is one E.164 key, for validation, throttles,
STOP matching and display."""

import pytest

from portal.patients import phone
from portal.patients.input import clean_phone


@pytest.mark.parametrize("raw", ["06 12 34 56 78", "0033 6 12 34 56 78", "+33 (0)6 12 34 56 78", "０６１２３４５６７８",
                                 "06 12 34 56 78 ext. 1", "+33612345678", "06.12.34.56.78"])
def test_every_spelling_is_one_number(raw):
    assert phone.e164(raw) == "+33612345678"
    assert phone.throttle_key(raw) == "phone:+33612345678"
    assert clean_phone(raw, for_sms=True) == ("+33612345678", None)


@pytest.mark.parametrize("raw", ["", "12", "06 12", "not a number", "0" * 200, None, 612345678])
def test_no_number_no_key(raw):
    assert phone.e164(raw) is None and phone.throttle_key(raw) is None


def test_provider_numbers_and_display():
    assert phone.from_msisdn("33612345678") == "+33612345678"
    assert phone.from_msisdn("") is None and phone.from_msisdn("abc") is None
    assert phone.display("+33142000000") == "01 42 00 00 00"
    assert phone.display("+4915123456789") == "+49 1512 3456789"
    assert phone.display("garbage") == "garbage"

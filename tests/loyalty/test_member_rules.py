"""Profile rules and phone numbers, as pure functions."""

from __future__ import annotations

from datetime import date

import pytest

from loyalty.errors import InvalidInput
from loyalty.members.accounts import validate_profile
from loyalty.members.phones import normalise_phone

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    "raw",
    ["0901234567", "090 123 4567", "090-123-4567", "+84 90 123 4567", "84901234567", "+84901234567"],
)
def test_vietnamese_phone_formats_normalise_to_e164(raw: str) -> None:
    assert normalise_phone(raw) == "+84901234567"


@pytest.mark.parametrize("raw", ["", "0123", "abc", "+84 12", "1" * 40])
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput):
        normalise_phone(raw)


def test_profile_accepts_a_good_patch() -> None:
    changes = validate_profile({"birthday": "2000-02-29", "email": " A@B.VN ".strip(), "locale": "en"}, today=TODAY)
    assert changes.values == {"birthday": date(2000, 2, 29), "email": "a@b.vn", "locale": "en"}


@pytest.mark.parametrize(
    "raw",
    [
        {"birthday": date(2026, 11, 23)},
        {"birthday": date(1900, 1, 1)},
        {"email": "x@y"},
        {"locale": "fr"},
        {"gender": "unknown"},
        {"points_balance": 1},
        {"name": "a\x00b"},
    ],
)
def test_profile_refuses_bad_values(raw: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        validate_profile(raw, today=TODAY)


def test_birthday_today_is_allowed() -> None:
    assert validate_profile({"birthday": TODAY}, today=TODAY).values["birthday"] == TODAY

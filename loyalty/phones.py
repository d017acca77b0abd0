"""Phone numbers: stored in E.164, read in any common Vietnamese way (0901…, +84 90…, 84-90…)."""

from __future__ import annotations

import phonenumbers

from loyalty.errors import InvalidInput

DEFAULT_REGION = "VN"


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """Return the E.164 form of ``raw`` or raise :class:`InvalidInput`."""
    text = raw.strip()
    if not text or len(text) > 32:
        raise InvalidInput(f"{raw!r} is not a phone number", field="phone")
    if text.startswith("84") and not text.startswith("+"):
        text = "+" + text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(f"{raw!r} is not a phone number", field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{raw!r} is not a valid phone number", field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_normalise_phone(raw: str) -> str | None:
    try:
        return normalise_phone(raw)
    except InvalidInput:
        return None

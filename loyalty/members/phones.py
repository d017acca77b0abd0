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


def phone_search_term(raw: str) -> str:
    """What to look for in stored (E.164) phones when staff type ``raw`` into a search box.

    A whole number in any common spelling becomes its E.164 form; the start of one typed the
    local way (``0907 65``) becomes the start of the E.164 form (``+8490765``), so a clerk finds
    the member while typing. Anything else is searched as typed.
    """
    whole = try_normalise_phone(raw)
    if whole is not None:
        return whole
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits or any(not (ch.isdigit() or ch in " .-()+") for ch in text):
        return text
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("84"):
        return "+" + digits
    if digits.startswith("0"):
        return "+84" + digits[1:]
    return digits

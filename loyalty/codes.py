"""Random codes people read off a screen or a receipt: no 0/O or 1/I/L to confuse."""

from __future__ import annotations

import secrets

READABLE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def readable_code(length: int) -> str:
    """``length`` characters from :data:`READABLE_ALPHABET` (≈ 4.95 random bits each)."""
    return "".join(secrets.choice(READABLE_ALPHABET) for _ in range(length))

"""SMS text: Vietnamese without diacritics, and how many parts a text takes, known before sending.

Rules:

* Without diacritics (the gateway's ``IsUnicode=0``, cheaper and readable on every phone): every
  tone mark and vowel mark goes (NFD decomposition, combining marks dropped) and ``đ``/``Đ``
  become ``d``/``D`` (they do not decompose). Standard library only: ``unicodedata``.
* A text in the GSM 03.38 default alphabet is GSM-7: 160 characters in one part, 153 a part when
  concatenated (the characters of the extension table count twice). Anything else is UCS-2:
  70 in one part, 67 a part (a character beyond the BMP counts twice, as UTF-16 does).
* A text longer than the channel's part limit is refused (:class:`TooLong`), never cut mid-word
  by the network.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ!\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")
_SPECIAL = str.maketrans({"đ": "d", "Đ": "D", "\u2026": "...", "\u2013": "-", "\u2014": "-"})


class TooLong(ValueError):
    """The text needs more SMS parts than the channel allows."""


@dataclass(frozen=True)
class Parts:
    encoding: str  # gsm7 | ucs2
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int


def strip_diacritics(text: str) -> str:
    """``"Bạn vừa nhận điểm"`` → ``"Ban vua nhan diem"``."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def count_parts(text: str) -> Parts:
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "gsm7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "ucs2"
    parts = 1 if units <= single else -(-units // multi)
    return Parts(encoding, units, parts)


def prepare(text: str, *, unicode: bool, max_parts: int) -> tuple[str, Parts]:
    """The text as it will be sent (stripped unless ``unicode``) and its parts; raises :class:`TooLong`."""
    sendable = " ".join(text.split()) if unicode else " ".join(strip_diacritics(text).split())
    parts = count_parts(sendable)
    if parts.parts > max_parts:
        raise TooLong(f"{parts.parts} SMS parts ({parts.encoding}, {parts.units} units) > {max_parts}")
    return sendable, parts

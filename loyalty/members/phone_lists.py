"""Lists of phone numbers staff paste into a form or upload as a file.

Rules (pure functions, no database):

* Pasted text: numbers are separated by new lines, commas, semicolons or tabs. Inside one piece
  a number may carry inner spaces (``0907 654 321``), and several numbers may follow each other
  with only spaces between them (a list pasted into a one-line field arrives so). A piece that
  is one number as a whole is that number; otherwise its words are read from the left, each
  time taking the longest run of words that is a valid number. Words that begin no number stay
  together as one piece "not a phone number", in the words staff wrote.
* A file (CSV or text): rows are split by the file's separator (``,``, ``;`` or tab, the one
  the first row uses most, or what an Excel ``sep=`` line says). Only cells that look like a
  phone number (digits with spaces, dots, dashes, brackets or a leading +, at least 8 digits)
  are read as numbers; a header row, names, e-mails and notes are skipped and counted.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

from loyalty.members.phones import try_normalise_phone

SEPARATORS = re.compile(r"[\r\n,;\t]+")
PHONE_LIKE = re.compile(r"\+?[\d\s().\-]+")
# The most words one number is written in ("+84 90 765 43 21") and the most digits it has.
MAX_WORDS = 6
MAX_DIGITS = 15
MIN_DIGITS = 8


@dataclass
class PhoneList:
    numbers: list[tuple[str, str]] = field(default_factory=list)
    """(as written, E.164) for every valid number, in the order read."""
    not_phones: list[str] = field(default_factory=list)
    """Pieces that were meant as numbers but are none."""
    rows: int = 0
    """Rows read from a file (0 for pasted text)."""
    skipped: list[str] = field(default_factory=list)
    """File cells that do not look like phone numbers (header, names, notes)."""


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _phone(written: str) -> str | None:
    # The phone library reads letters as keypad digits ("1800-FLOWERS") and skips leading words:
    # a number staff meant is written with digits and punctuation only.
    if not PHONE_LIKE.fullmatch(written) or _digits(written) > MAX_DIGITS:
        return None
    return try_normalise_phone(written)


def _read_piece(piece: str, into: PhoneList) -> None:
    whole = _phone(piece)
    if whole is not None:
        into.numbers.append((piece, whole))
        return
    words = piece.split()
    leftover: list[str] = []
    start = 0
    while start < len(words):
        taken = 0
        for end in range(min(len(words), start + MAX_WORDS), start, -1):
            written = " ".join(words[start:end])
            phone = _phone(written)
            if phone is not None:
                if leftover:
                    into.not_phones.append(" ".join(leftover))
                    leftover = []
                into.numbers.append((written, phone))
                taken = end - start
                break
        if taken:
            start += taken
        else:
            leftover.append(words[start])
            start += 1
    if leftover:
        into.not_phones.append(" ".join(leftover))


def from_text(text: str) -> PhoneList:
    """Numbers typed or pasted by staff (see the module's rules)."""
    found = PhoneList()
    for piece in SEPARATORS.split(text):
        if piece.strip():
            _read_piece(piece.strip(), found)
    return found


def looks_like_phone(cell: str) -> bool:
    return bool(PHONE_LIKE.fullmatch(cell)) and _digits(cell) >= MIN_DIGITS


def _separator(lines: list[str]) -> tuple[str, list[str]]:
    first = next((line for line in lines if line.strip()), "")
    if first.lower().startswith("sep=") and len(first.strip()) == 5:
        # Excel's hint line: "sep=;" says the separator and is no data.
        return first.strip()[4], lines[lines.index(first) + 1 :]
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return (best if counts[best] else ","), lines


def from_table(text: str) -> PhoneList:
    """Numbers in a CSV or text file: only cells that look like phone numbers count."""
    delimiter, lines = _separator(text.lstrip("\ufeff").splitlines())
    found = PhoneList()
    for row in csv.reader(lines, delimiter=delimiter):
        cells = [cell.strip() for cell in row if cell.strip()]
        if not cells:
            continue
        found.rows += 1
        for cell in cells:
            if looks_like_phone(cell):
                _read_piece(cell, found)
            else:
                found.skipped.append(cell)
    return found

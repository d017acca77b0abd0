"""Finding a member from what a clerk types: a phone in any spelling, a public id, a card code or
part of a name.

Rules:

* A whole phone number (``0907 654 321``, ``0907654321``, ``+84907654321``, ``84907654321``) is
  its E.164 form, looked up on the phone's unique index; the start of one (``0907 65``) is a
  range on that same index (``phone >= '+8490765' AND phone < '+8490765:'``; ``:`` follows ``9``).
* A public id (``TT…``) and a card code (``TT4K7PQ2MZ.492039.0``: the public id, the rotating
  code, a check character) are looked up on the public id's unique index. A search only reads:
  the card's code is not checked or used up (that is the till's business, ``earning.cards``).
* A name matches by part, ignoring case (``lan`` finds ``Chị Lan``; ``đặng`` finds ``Đặng``):
  the typed text, and its lower, title and upper case forms, as ``LIKE`` patterns. Diacritics
  count (``dang`` does not find ``Đặng``): the schema keeps no folded name, and folding on the fly
  would need a function neither engine ships (PostgreSQL's ``unaccent`` is an extension). A name
  is a scan of the member table stopped at ``limit`` rows; phone and id look-ups are indexed.
* Erased members keep only their public id, so only the public id finds them.
* At most ``limit`` members, the newest first; the ``%``, ``_`` and ``\\`` a clerk types are
  matched literally.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from loyalty import db
from loyalty.members.phones import phone_search_term, try_normalise_phone

MAX_QUERY = 100
MAX_LIMIT = 100
MIN_NAME = 2
_PUBLIC_ID = re.compile(r"^TT[0-9A-Z]{4,18}$")
_CARD = re.compile(r"^(TT[0-9A-Z]{4,18})\.\d{6}\.[0-9A-Z]$")
_PARTIAL_PHONE = re.compile(r"^\+\d{4,14}$")

_COLUMNS = "id, public_id, name, phone, city, created_at, erased_at"
_BY_PHONE = f"SELECT {_COLUMNS} FROM member WHERE phone = $1"
_BY_PHONE_START = (
    f"SELECT {_COLUMNS} FROM member WHERE phone >= $1 AND phone < $2 ORDER BY created_at DESC, id DESC LIMIT $3"
)
_BY_PUBLIC_ID = f"SELECT {_COLUMNS} FROM member WHERE public_id = $1"
_BY_NAME = (
    f"SELECT {_COLUMNS} FROM member WHERE erased_at IS NULL AND "
    "(name LIKE $1 ESCAPE '\\' OR name LIKE $2 ESCAPE '\\' OR name LIKE $3 ESCAPE '\\' OR name LIKE $4 ESCAPE '\\') "
    "ORDER BY created_at DESC, id DESC LIMIT $5"
)


@dataclass(frozen=True, slots=True)
class MemberMatch:
    id: int
    public_id: str
    name: str
    phone: str | None
    city: str
    joined_at: datetime
    erased: bool


def _match(row: db.Row) -> MemberMatch:
    return MemberMatch(
        id=int(row["id"]),
        public_id=str(row["public_id"]),
        name=str(row["name"] or ""),
        phone=row["phone"],
        city=str(row["city"] or ""),
        joined_at=row["created_at"],
        erased=row["erased_at"] is not None,
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def find_members(text: str, limit: int = 20) -> list[MemberMatch]:
    """The members ``text`` names (see the module's rules); an empty or over-long text names none."""
    query = " ".join(text.split())
    limit = max(1, min(limit, MAX_LIMIT))
    if not query or len(query) > MAX_QUERY:
        return []
    upper = query.upper().replace(" ", "")
    card = _CARD.match(upper)
    if card or _PUBLIC_ID.match(upper):
        rows: Sequence[db.Row] = await db.fetch(_BY_PUBLIC_ID, card.group(1) if card else upper)
        if rows:
            return [_match(r) for r in rows]
    whole = try_normalise_phone(query)
    if whole is not None:
        return [_match(r) for r in await db.fetch(_BY_PHONE, whole)]
    start = phone_search_term(query)
    if _PARTIAL_PHONE.match(start):
        return [_match(r) for r in await db.fetch(_BY_PHONE_START, start, start + ":", limit)]
    if len(query) < MIN_NAME:
        return []
    patterns = [_like(form) for form in (query, query.lower(), query.title(), query.upper())]
    return [_match(r) for r in await db.fetch(_BY_NAME, *patterns, limit)]

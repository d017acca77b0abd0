"""A member's whole story for staff: the profile, its consents, and one timeline of everything that
happened to it, newest first.

Rules:

* The timeline merges seven sources: purchases, ledger entries, tier changes, vouchers, messages
  (with their deliveries: channel and status), complaints and consents. Each source is one
  SELECT by member on its (member, time, id) index (consents: the member index; a member has a
  few) stopped at the page's size, and the page is
  their ``UNION ALL`` ordered once: one statement for a page however long the history.
* Pages are keyed, never offset: an item is placed by (time, source, id), and the next page
  starts strictly after the last item shown (:class:`TimelineCursor`), so an item written meanwhile
  never shifts or repeats what staff already read.
* A message's deliveries are read for the messages on the page only, in one statement.
* Messages, deliveries and consents are the notifications app's tables, read here by name
  (``loyalty`` never imports ``notifications``); without them the timeline has no messages.
* A consent appears at the time of its current answer (the table keeps the answer, not its
  history; earlier answers are in the audit log).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from loyalty import db
from loyalty.db import MAX_ID
from loyalty.errors import InvalidInput, NotFound
from loyalty.ids import BIG_ID_MAX

PAGE_SIZE = 30
MAX_PAGE = 100
EXCERPT = 200

# source → (table, its time column, the seven values after ``at, source, item_id``, the joins).
# Every source gives label, note, status, extra (texts) and n1, n2, n3 (whole numbers or NULL).
_NONE = "CAST(NULL AS BIGINT)"
_SOURCES: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "complaint": (
        "complaint",
        "created_at",
        ("x.reference", f"SUBSTR(x.description, 1, {EXCERPT})", "x.status", "COALESCE(c.name_vi, '')") + (_NONE,) * 3,
        "LEFT JOIN complaint_categories c ON c.id = x.category",
    ),
    "consent": (
        "consent",
        "updated_at",
        ("x.channel", "x.text_version", "x.purpose", "CASE WHEN x.granted THEN 'granted' ELSE 'withdrawn' END")
        + (_NONE,) * 3,
        "",
    ),
    "ledger": (
        "ledger_entry",
        "created_at",
        ("x.kind", "x.description", "''", "''", "x.delta", "x.balance_after", "x.shortfall"),
        "",
    ),
    "message": (
        "inbox_message",
        "created_at",
        ("x.title", f"SUBSTR(x.body, 1, {EXCERPT})", "x.purpose", "x.kind") + (_NONE,) * 3,
        "",
    ),
    "purchase": (
        "purchase",
        "created_at",
        ("COALESCE(s.name, '')", "x.receipt_no", "x.channel", "''", "x.amount", "x.points_earned", "x.refunded_amount"),
        "LEFT JOIN store s ON s.id = x.store",
    ),
    "tier": (
        "tier_change",
        "created_at",
        ("COALESCE(t.name_vi, '')", "x.reason", "''", "COALESCE(f.name_vi, '')") + (_NONE,) * 3,
        "LEFT JOIN tier t ON t.id = x.to_tier LEFT JOIN tier f ON f.id = x.from_tier",
    ),
    "voucher": (
        "voucher",
        "issued_at",
        ("COALESCE(r.name_vi, '')", "x.code", "x.status", "x.source", "x.points_paid", _NONE, _NONE),
        "LEFT JOIN reward r ON r.id = x.reward",
    ),
}
SOURCES = tuple(sorted(_SOURCES))
_NOTIFICATION_SOURCES = {"message", "consent"}
_NOTIFICATION_TABLES = ("inbox_message", "delivery", "consent")


@dataclass(frozen=True, slots=True)
class TimelineCursor:
    """Where a page ends: its last item's time, source and id (the next page starts after it)."""

    at: datetime
    source: str
    item_id: int

    def token(self) -> str:
        raw = f"{self.at.isoformat()}|{self.source}|{self.item_id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def read(cls, token: str) -> TimelineCursor:
        """The cursor a page link carries; anything else is :class:`InvalidInput` (a 400)."""
        problem = InvalidInput("this page link is not valid: open the member's page again", field="before")
        if not token or len(token) > 200:
            raise problem
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            at_text, source, id_text = raw.split("|")
            at, item_id = datetime.fromisoformat(at_text), int(id_text)
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise problem from None
        if at.tzinfo is None or source not in _SOURCES or not 0 < item_id <= BIG_ID_MAX:
            raise problem
        return cls(at, source, item_id)


@dataclass(frozen=True, slots=True)
class Delivery:
    channel: str
    status: str
    cost_vnd: int
    at: datetime


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One thing that happened; what ``label`` … ``n3`` hold depends on ``source`` (see ``_SOURCES``)."""

    at: datetime
    source: str
    item_id: int
    label: str
    note: str
    status: str
    extra: str
    n1: int | None
    n2: int | None
    n3: int | None
    deliveries: tuple[Delivery, ...] = ()

    @property
    def cursor(self) -> TimelineCursor:
        return TimelineCursor(self.at, self.source, self.item_id)


@dataclass(frozen=True, slots=True)
class Timeline:
    items: list[TimelineItem]
    next_page: TimelineCursor | None  # None: this is the oldest page


@dataclass(frozen=True, slots=True)
class ConsentAnswer:
    channel: str
    purpose: str
    granted: bool
    text_version: str
    at: datetime


@dataclass(frozen=True, slots=True)
class MemberProfile:
    id: int
    public_id: str
    name: str
    phone: str | None
    email: str | None
    city: str
    birthday: date | None
    joined_at: datetime
    preferred_channel: str
    locale: str
    points_balance: int
    tier_name: str
    tier_since: datetime | None
    erased_at: datetime | None
    consents: list[ConsentAnswer]
    vip_groups: list[str]


def _moment(value: Any) -> datetime:
    """A time as either driver answers it (SQLite gives the stored text where a UNION hides the type)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _whole(value: Any) -> int | None:
    return None if value is None else int(value)


def _after(source: str, time_column: str, cursor: TimelineCursor | None) -> str:
    """The keyset condition of one source: strictly after ``cursor`` in (time, source, id) order."""
    if cursor is None:
        return ""
    if source < cursor.source:
        return f" AND x.{time_column} <= $2"
    if source > cursor.source:
        return f" AND x.{time_column} < $2"
    return f" AND (x.{time_column} < $2 OR (x.{time_column} = $2 AND x.id < $3))"


def _timeline_sql(sources: Sequence[str], cursor: TimelineCursor | None) -> str:
    limit = "$4" if cursor is not None else "$2"
    parts = []
    for source in sources:
        table, time_column, columns, joins = _SOURCES[source]
        named = ", ".join(f"{expr} AS {name}" for expr, name in zip(columns, _NAMES, strict=True))
        parts.append(
            f"SELECT * FROM (SELECT x.{time_column} AS at, '{source}' AS source, x.id AS item_id, {named} "
            f"FROM {table} x {joins} WHERE x.member = $1{_after(source, time_column, cursor)} "
            f"ORDER BY x.{time_column} DESC, x.id DESC LIMIT {limit}) AS {source}_page"
        )
    union = " UNION ALL ".join(parts)
    return f"SELECT * FROM ({union}) AS story ORDER BY at DESC, source DESC, item_id DESC LIMIT {limit}"


_NAMES = ("label", "note", "status", "extra", "n1", "n2", "n3")


async def _has_notifications() -> bool:
    checks = " AND ".join(db.table_exists(f"${i + 1}") for i in range(len(_NOTIFICATION_TABLES)))
    row = await db.fetchrow(f"SELECT CASE WHEN {checks} THEN 1 ELSE 0 END AS n", *_NOTIFICATION_TABLES)
    return bool(row and row["n"])


_DELIVERIES_SQL = (
    "SELECT message, channel, status, cost_vnd, created_at FROM delivery WHERE {messages} ORDER BY message, id"
)


async def _deliveries(message_ids: list[int]) -> dict[int, tuple[Delivery, ...]]:
    if not message_ids:
        return {}
    rows = await db.fetch(
        _DELIVERIES_SQL.format(messages=db.one_of("message", "$1")),
        db.listed(message_ids),
    )
    found: dict[int, list[Delivery]] = {}
    for r in rows:
        found.setdefault(int(r["message"]), []).append(
            Delivery(str(r["channel"]), str(r["status"]), int(r["cost_vnd"] or 0), _moment(r["created_at"]))
        )
    return {k: tuple(v) for k, v in found.items()}


async def member_timeline(member_id: int, *, before: TimelineCursor | None = None, size: int = PAGE_SIZE) -> Timeline:
    """One page of the member's timeline, newest first, strictly after ``before`` (see the rules)."""
    size = max(1, min(size, MAX_PAGE))
    with_messages = await _has_notifications()
    sources = [s for s in SOURCES if with_messages or s not in _NOTIFICATION_SOURCES]
    args: list[Any] = [member_id]
    if before is not None:
        args += [before.at, before.item_id]
    rows = await db.fetch(_timeline_sql(sources, before), *args, size + 1)
    items = [
        TimelineItem(
            at=_moment(r["at"]),
            source=str(r["source"]),
            item_id=int(r["item_id"]),
            label=str(r["label"] or ""),
            note=str(r["note"] or ""),
            status=str(r["status"] or ""),
            extra=str(r["extra"] or ""),
            n1=_whole(r["n1"]),
            n2=_whole(r["n2"]),
            n3=_whole(r["n3"]),
        )
        for r in rows[:size]
    ]
    messages = await _deliveries([i.item_id for i in items if i.source == "message"])
    if messages:
        items = [
            TimelineItem(**{**_fields(i), "deliveries": messages.get(i.item_id, ())}) if i.source == "message" else i
            for i in items
        ]
    return Timeline(items, items[-1].cursor if len(rows) > size else None)


def _fields(item: TimelineItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in TimelineItem.__slots__}


_PROFILE_SQL = (
    "SELECT m.id, m.public_id, m.name, m.phone, m.email, m.city, m.birthday, m.created_at, m.preferred_channel, "
    "m.locale, m.points_balance, m.tier_since, m.erased_at, COALESCE(t.name_vi, '') AS tier_name "
    "FROM member m LEFT JOIN tier t ON t.id = m.tier WHERE m.id = $1"
)
_CONSENTS_SQL = (
    "SELECT channel, purpose, granted, text_version, updated_at FROM consent "
    "WHERE member = $1 ORDER BY channel, purpose"
)
_GROUPS_SQL = 'SELECT g.name FROM vip_member v JOIN vip_group g ON g.id = v."group" WHERE v.member = $1 ORDER BY g.name'


async def member_profile(member_id: int) -> MemberProfile:
    """The member's profile, consents and VIP groups; :class:`NotFound` for an id no member has."""
    if not 0 < member_id <= MAX_ID:
        raise NotFound(f"member {member_id} not found")
    row = await db.fetchrow(_PROFILE_SQL, member_id)
    if row is None:
        raise NotFound(f"member {member_id} not found")
    consents = (
        [
            ConsentAnswer(
                str(c["channel"]),
                str(c["purpose"]),
                bool(c["granted"]),
                str(c["text_version"]),
                _moment(c["updated_at"]),
            )
            for c in await db.fetch(_CONSENTS_SQL, member_id)
        ]
        if await _has_notifications()
        else []
    )
    birthday = row["birthday"]
    return MemberProfile(
        id=int(row["id"]),
        public_id=str(row["public_id"]),
        name=str(row["name"] or ""),
        phone=row["phone"],
        email=row["email"],
        city=str(row["city"] or ""),
        birthday=date.fromisoformat(birthday) if isinstance(birthday, str) else birthday,
        joined_at=_moment(row["created_at"]),
        preferred_channel=str(row["preferred_channel"]),
        locale=str(row["locale"]),
        points_balance=int(row["points_balance"]),
        tier_name=str(row["tier_name"]),
        tier_since=_moment(row["tier_since"]) if row["tier_since"] is not None else None,
        erased_at=_moment(row["erased_at"]) if row["erased_at"] is not None else None,
        consents=consents,
        vip_groups=[str(g["name"]) for g in await db.fetch(_GROUPS_SQL, member_id)],
    )

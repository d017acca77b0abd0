"""What the rest of the programme says about points, checked against the entries that moved them.

A purchase, a claim, a voucher and a campaign gift each record the points they earned or cost,
and the entry that moved them. Deleting an entry (and its lot) leaves those records behind, so
each is checked set-wise against its entry, both ways:

* a purchase that earned points has its ``earn_entry``: the member's, kind earn, delta =
  ``points_earned``; an ``earn:`` entry belongs to a purchase;
* a claimed receipt code has the member's claim purchase for that receipt, and a claim purchase
  has its claimed code;
* a refunded purchase's ``points_reversed`` = Σ (points taken back + shortfall) of its
  ``refund:<purchase>:…`` entries;
* a voucher bought with points has its ``spend_entry`` (the member's, delta = −``points_paid``); a
  redeem entry belongs to a voucher; a cancelled bought voucher has its ``voucher-cancel:``
  entry giving the points back, and a voucher that got its points back is cancelled;
* a given points gift has its entry (the member's, delta = its points); a ``campaign-gift:``
  entry belongs to a gift;
* every lot has its entry, of the lot's member.

Each query is a join on indexed keys or one pass of a table; at most ``LIMIT`` rows each.
"""

from __future__ import annotations

from loyalty import db
from loyalty.db import is_sqlite
from loyalty.points.terms import Breach

LIMIT = 1000


def _purchase_of_refund(column: str) -> str:
    """The purchase id in a refund reference (``refund:12:500`` → 12); NULL when it is not a number
    (a forged reference must be reported, not stop the check)."""
    if is_sqlite():
        part = f"substr({column}, 8, instr(substr({column}, 8), ':') - 1)"
        return f"CASE WHEN {part} GLOB '[0-9]*' AND {part} NOT GLOB '*[^0-9]*' THEN CAST({part} AS INTEGER) END"
    part = f"split_part({column}, ':', 2)"
    return f"CASE WHEN {part} ~ '^[0-9]{{1,18}}$' THEN CAST({part} AS BIGINT) END"


def _queries() -> list[tuple[str, str]]:
    """(SQL returning member, entry, what) per cross-check."""
    refunded = _purchase_of_refund("reference")
    return [
        (
            "purchase earn",
            "SELECT p.member AS member, p.earn_entry AS entry, 'purchase ' || CAST(p.id AS TEXT) || ' earned ' || "
            "CAST(p.points_earned AS TEXT) || ' points but ' || CASE WHEN p.earn_entry IS NULL "
            "THEN 'has no earn entry' WHEN e.id IS NULL THEN 'its earn entry is gone' "
            "ELSE 'its earn entry moved ' || CAST(e.delta AS TEXT) || ' for member ' || CAST(e.member AS TEXT) END "
            "AS what FROM purchase p LEFT JOIN ledger_entry e ON e.id = p.earn_entry "
            "WHERE (p.points_earned <> 0 OR p.earn_entry IS NOT NULL) AND (e.id IS NULL OR e.delta <> p.points_earned "
            "OR e.member <> p.member OR e.kind <> 'earn')",
        ),
        (
            "earn entry",
            "SELECT e.member AS member, e.id AS entry, 'earn entry ' || e.reference || ' has no purchase' AS what "
            "FROM ledger_entry e WHERE e.kind = 'earn' AND e.reference LIKE 'earn:%' "
            "AND NOT EXISTS (SELECT 1 FROM purchase p WHERE p.earn_entry = e.id)",
        ),
        (
            "claim",
            "SELECT c.claimed_by AS member, NULL AS entry, 'claimed receipt code for receipt ' || c.receipt_no || "
            "' has no claim purchase of this member' AS what FROM receipt_claim c WHERE c.claimed_by IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM purchase p WHERE p.store = c.store AND p.receipt_no = c.receipt_no "
            "AND p.member = c.claimed_by AND p.channel = 'claim')",
        ),
        (
            "claim purchase",
            "SELECT p.member AS member, p.earn_entry AS entry, 'purchase ' || CAST(p.id AS TEXT) || "
            "' was claimed but no receipt code was claimed by this member' AS what FROM purchase p "
            "WHERE p.channel = 'claim' AND NOT EXISTS (SELECT 1 FROM receipt_claim c WHERE c.store = p.store "
            "AND c.receipt_no = p.receipt_no AND c.claimed_by = p.member)",
        ),
        (
            "refund",
            "SELECT r.member AS member, NULL AS entry, 'purchase ' || COALESCE(CAST(r.purchase AS TEXT), '?') || "
            "' took back ' || CASE "
            "WHEN p.id IS NULL THEN 'nothing (there is no such purchase)' "
            "ELSE CAST(p.points_reversed AS TEXT) || ' points' END || ' but its refund entries took back ' || "
            "CAST(r.total AS TEXT) AS what FROM ("
            f"SELECT {refunded} AS purchase, MIN(member) AS member, SUM(shortfall - delta) AS total "
            f"FROM ledger_entry WHERE kind = 'reverse' AND reference LIKE 'refund:%' GROUP BY {refunded}) r "
            "LEFT JOIN purchase p ON p.id = r.purchase "
            "WHERE p.id IS NULL OR p.points_reversed <> r.total",
        ),
        (
            "refund entries",
            "SELECT p.member AS member, NULL AS entry, 'purchase ' || CAST(p.id AS TEXT) || ' took back ' || "
            "CAST(p.points_reversed AS TEXT) || ' points but has no refund entries' AS what FROM purchase p "
            "WHERE p.points_reversed <> 0 AND p.id NOT IN ("
            f"SELECT {refunded} FROM ledger_entry WHERE kind = 'reverse' AND reference LIKE 'refund:%' "
            f"AND {refunded} IS NOT NULL)",
        ),
        (
            "voucher spend",
            "SELECT v.member AS member, v.spend_entry AS entry, 'voucher ' || v.code || ' cost ' || "
            "CAST(v.points_paid AS TEXT) || ' points but ' || CASE WHEN v.spend_entry IS NULL "
            "THEN 'has no spend entry' WHEN e.id IS NULL THEN 'its spend entry is gone' "
            "ELSE 'its spend entry moved ' || CAST(e.delta AS TEXT) || ' for member ' || CAST(e.member AS TEXT) END "
            "AS what FROM voucher v LEFT JOIN ledger_entry e ON e.id = v.spend_entry "
            "WHERE (v.points_paid <> 0 OR v.spend_entry IS NOT NULL) "
            "AND (e.id IS NULL OR e.delta <> -v.points_paid OR e.member <> v.member)",
        ),
        (
            "redeem entry",
            "SELECT e.member AS member, e.id AS entry, 'redeem entry ' || e.reference || ' bought no voucher' AS what "
            "FROM ledger_entry e WHERE e.kind = 'redeem' AND e.reference LIKE 'redeem:%' "
            "AND NOT EXISTS (SELECT 1 FROM voucher v WHERE v.spend_entry = e.id)",
        ),
        (
            "voucher cancel",
            "SELECT v.member AS member, c.id AS entry, 'voucher ' || v.code || ' is ' || v.status || CASE "
            "WHEN c.id IS NULL THEN ' but its points were never given back' "
            "WHEN v.status <> 'cancelled' THEN ' but its points were given back' "
            "ELSE ' but ' || CAST(c.delta AS TEXT) || ' of its ' || CAST(v.points_paid AS TEXT) || "
            "' points were given back' END AS what "
            "FROM voucher v LEFT JOIN ledger_entry c ON c.reference = 'voucher-cancel:' || CAST(v.id AS TEXT) "
            "WHERE v.spend_entry IS NOT NULL AND ((v.status = 'cancelled' AND (c.id IS NULL "
            "OR c.delta <> v.points_paid OR c.member <> v.member)) OR (v.status <> 'cancelled' AND c.id IS NOT NULL))",
        ),
        (
            "gift",
            "SELECT g.member AS member, g.entry AS entry, 'campaign gift ' || CAST(g.id AS TEXT) || ' gave ' || "
            "CAST(g.points AS TEXT) || ' points but ' || CASE WHEN g.entry IS NULL THEN 'has no entry' "
            "WHEN e.id IS NULL THEN 'its entry is gone' ELSE 'its entry moved ' || CAST(e.delta AS TEXT) || "
            "' for member ' || CAST(e.member AS TEXT) END AS what "
            "FROM campaign_gift g LEFT JOIN ledger_entry e ON e.id = g.entry "
            "WHERE g.status = 'given' AND (g.points <> 0 OR g.entry IS NOT NULL) "
            "AND (e.id IS NULL OR e.delta <> g.points OR e.member <> g.member)",
        ),
        (
            "gift entry",
            "SELECT e.member AS member, e.id AS entry, 'gift entry ' || e.reference || ' has no campaign gift' AS what "
            "FROM ledger_entry e WHERE e.kind = 'gift' AND e.reference LIKE 'campaign-gift:%' "
            "AND NOT EXISTS (SELECT 1 FROM campaign_gift g WHERE g.entry = e.id)",
        ),
        (
            "lot entry",
            "SELECT p.member AS member, p.entry AS entry, 'lot ' || CAST(p.id AS TEXT) || ' of ' || "
            "CAST(p.points AS TEXT) || ' points ' || CASE WHEN e.id IS NULL THEN 'has no entry' "
            "ELSE 'was earned by an entry of member ' || CAST(e.member AS TEXT) END AS what "
            "FROM point_lot p LEFT JOIN ledger_entry e ON e.id = p.entry WHERE e.id IS NULL OR e.member <> p.member",
        ),
    ]


async def cross_breaches() -> list[Breach]:
    found: list[Breach] = []
    for _name, sql in _queries():
        for r in await db.fetch(f"{sql} ORDER BY 1, 2 LIMIT {LIMIT}"):
            found.append(Breach(int(r["member"]), str(r["what"]), r["entry"]))
    return found

"""A member's whole statement, signed with the ledger key, for the member to keep or show.

Rules:

* The statement is every entry of the member, oldest first, with the balance and the chain
  head they end at, signed in the canonical form of :mod:`loyalty.points.seal`; anyone holding
  the public key verifies it without the database (``python -m loyalty.points.verify_statement``).
* Only a chain that holds is signed: its hashes, links and running balance are recomputed
  first, and the head and balance must be the member row's; otherwise :class:`LedgerBroken`
  (the member's points are under review), so the key never vouches for tampered history.
* The member is named by its public id, not the database id; no personal data is in it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loyalty.errors import NotFound
from loyalty.points.chain import entry_hash
from loyalty.points.keys import signing_key
from loyalty.points.seal import sign
from loyalty.points.terms import LedgerBroken, utc_now
from loyalty.schema import LedgerEntry, Member

FORMAT = "thanthiet-statement/1"


async def signed_statement(
    member_id: int, *, key_file: Path | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The member's statement with its ``signature`` block (a JSON-ready dict)."""
    key = signing_key(key_file)
    member = (
        await Member.select(Member.public_id, Member.points_balance, Member.ledger_head)
        .where(Member.id == member_id)
        .first()
    )
    if member is None:
        raise NotFound("no such member")
    rows = (
        await LedgerEntry.select(
            LedgerEntry.id,
            LedgerEntry.delta,
            LedgerEntry.kind,
            LedgerEntry.reference,
            LedgerEntry.balance_after,
            LedgerEntry.shortfall,
            LedgerEntry.description,
            LedgerEntry.created_at,
            LedgerEntry.prev_hash,
            LedgerEntry.entry_hash,
        )
        .where(LedgerEntry.member == member_id)
        .order_by(LedgerEntry.id)
    )
    head, balance = _verified_head(member_id, rows)
    if (head, balance) != (member["ledger_head"], member["points_balance"]):
        raise LedgerBroken(f"member {member_id}: balance or ledger_head is not the chain's", member_id=member_id)
    statement = {
        "format": FORMAT,
        "member": str(member["public_id"]),
        "issued_at": _iso(now or utc_now()),
        "points_balance": balance,
        "ledger_head": head,
        "entry_count": len(rows),
        "entries": [
            {
                "id": r["id"],
                "created_at": _iso(r["created_at"]),
                "kind": r["kind"],
                "delta": r["delta"],
                "shortfall": r["shortfall"],
                "balance_after": r["balance_after"],
                "reference": r["reference"],
                "description": r["description"],
            }
            for r in rows
        ],
    }
    return sign({"statement": statement}, key)


def _verified_head(member_id: int, rows: list[dict[str, Any]]) -> tuple[str, int]:
    prev, balance = "", 0
    for r in rows:
        digest = entry_hash(
            prev, member_id, r["delta"], r["kind"], r["reference"], r["balance_after"], r["shortfall"], r["created_at"]
        )
        if r["prev_hash"] != prev or digest != r["entry_hash"] or r["balance_after"] != balance + r["delta"]:
            raise LedgerBroken(f"member {member_id}: entry {r['id']} breaks the hash chain", member_id=member_id)
        prev, balance = digest, r["balance_after"]
    return prev, balance


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()

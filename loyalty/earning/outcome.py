"""What a till earn results in, typed, and the form the purchase keeps it in for a repeat.

The till may send a receipt again (a retry, a lost answer): the same body gets the first result
again, byte for byte. So the result is stored on the purchase (``Purchase.answer``) as JSON text
and read back from there. That text's layout is frozen: rows written by earlier versions must
still be read, so the keys, their order and ``json.dumps(…, ensure_ascii=False)`` stay as they
are. The API turns a :class:`TillEarn` into its answer; the domain only keeps the record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from loyalty.earning.rules import Applied


@dataclass(frozen=True, slots=True)
class EarnedMember:
    id: str  # the member's public id
    name: str
    tier: str | None  # the tier's code after the earn


@dataclass(frozen=True, slots=True)
class TillEarn:
    """The result of a till earn: who earned, how much, the balance after, which rules applied."""

    member: EarnedMember
    points_earned: int
    points_balance: int
    rules_applied: tuple[Applied, ...]
    receipt_no: str
    store: str  # the store's code


@dataclass(frozen=True, slots=True)
class EarnOutcome:
    earn: TillEarn
    created: bool  # False: the stored first result, replayed


def stored_text(earn: TillEarn) -> str:
    """The JSON text kept on the purchase (see the module's rules: its layout is frozen)."""
    return json.dumps(
        {
            "member": {"id": earn.member.id, "name": earn.member.name, "tier": earn.member.tier},
            "points_earned": earn.points_earned,
            "points_balance": earn.points_balance,
            "rules_applied": [
                {
                    "kind": a.kind,
                    "name": a.name,
                    "rule_id": a.rule_id,
                    "multiplier_pct": a.multiplier_pct,
                    "bonus_points": a.bonus_points,
                }
                for a in earn.rules_applied
            ],
            "receipt_no": earn.receipt_no,
            "store": earn.store,
        },
        ensure_ascii=False,
    )


def from_stored(stored: str | dict[str, Any]) -> TillEarn:
    """The result a purchase keeps (its JSON text, or that text already decoded by the driver)."""
    data = json.loads(stored) if isinstance(stored, str) else stored
    member = data["member"]
    return TillEarn(
        EarnedMember(member["id"], member["name"], member["tier"]),
        data["points_earned"],
        data["points_balance"],
        tuple(
            Applied(a["kind"], a["name"], a["rule_id"], a["multiplier_pct"], a["bonus_points"])
            for a in data["rules_applied"]
        ),
        data["receipt_no"],
        data["store"],
    )

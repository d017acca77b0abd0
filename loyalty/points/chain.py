"""The hash chain: each entry's ``entry_hash`` covers the previous entry's hash and its own content.

One definition of the hashed text (:func:`entry_hash`), which ``check_ledger`` recomputes and the
set-wise credits compute for a whole batch at once (:func:`gift_hashes`). The member's
``ledger_head`` is the newest hash, so an edit of history breaks the chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def entry_hash(
    prev_hash: str,
    member_id: int,
    delta: int,
    kind: str,
    reference: str,
    balance_after: int,
    shortfall: int,
    created_at: datetime,
) -> str:
    return _digest(prev_hash, member_id, delta, kind, reference, balance_after, shortfall, _micros(created_at))


def gift_hashes(chains: Sequence[tuple[int, str, str, int]], delta: int, kind: str, created_at: datetime) -> list[str]:
    """``entry_hash`` of many entries written at one moment, each (member, prev_hash, reference,
    balance_after) with no shortfall; the moment is converted once."""
    micros = _micros(created_at)
    return [
        _digest(prev, member, delta, kind, reference, after, 0, micros) for member, prev, reference, after in chains
    ]


def _micros(created_at: datetime) -> int:
    return (created_at.astimezone(UTC) - EPOCH) // timedelta(microseconds=1)


def _digest(
    prev_hash: str,
    member_id: int,
    delta: int,
    kind: str,
    reference: str,
    balance_after: int,
    shortfall: int,
    micros: int,
) -> str:
    """The hashed text of an entry: one definition, which ``check_ledger`` recomputes."""
    content = f"{prev_hash}|{member_id}|{delta}|{kind}|{reference}|{balance_after}|{shortfall}|{micros}"
    return hashlib.sha256(content.encode()).hexdigest()

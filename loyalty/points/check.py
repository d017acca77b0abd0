"""``piccolo loyalty check_ledger``: re-check every invariant of the points ledger.

What is checked (set-based GROUP BY queries, so it scales with the database, plus one
streaming pass over the entries for the hash chain):

1. every member's balance = Σ its entries' deltas = Σ points left in its lots;
2. no lot is over- or under-drawn: 0 ≤ points_left ≤ points and points_left = points − Σ draws;
3. every entry moved exactly its delta through lots: Σ lots it created − Σ its draws = delta,
   and each draw is of the same member as its entry and its lot;
4. each member's hash chain is intact (each entry's prev_hash is the previous entry's hash,
   its hash matches its content, balance_after runs on from the previous entry), and
   ``member.ledger_head`` is the newest entry's hash;
5. purchases, claims, refunds, vouchers, campaign gifts and lots agree with the entries that
   moved their points (:mod:`loyalty.points.crosscheck`), so a deleted entry is missed by its record;
6. when there is a signed checkpoint (:mod:`loyalty.points.checkpoints`), it verifies with the
   signing key's public half and every chain still holds the head it sealed, at the same
   position: a recomputed chain, a deleted or truncated history is caught even though the
   hashes, ``ledger_head`` and the balance were made to agree again.

Any breach names the member and, where there is one, the entry (or lot).

Every join is on the member as well as the row's id (entries, lots and draws all carry their
member): the check then reads one member's rows together, as a database spread over servers by
member (docs/operations.md, "Growing beyond one database server") would keep them. A draw that
names another member than its entry or its lot finds no partner and is reported (3).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tqdm import tqdm

from loyalty import db
from loyalty.points.chain import entry_hash
from loyalty.points.checkpoints import CheckpointWalk, newest, verify_checkpoint
from loyalty.points.crosscheck import cross_breaches
from loyalty.points.keys import trusted_public_key
from loyalty.points.seal import BadSeal
from loyalty.points.terms import Breach
from loyalty.schema import LedgerEntry, Member, PointLot
from loyalty.settings import LEDGER_SEAL

PROGRESS_FROM = 10_000  # entries: below this the bar is noise
SHOW_AT_MOST = 50


@dataclass
class Report:
    members: int = 0
    entries: int = 0
    lots: int = 0
    breaches: list[Breach] = field(default_factory=list)
    checkpoint: str | None = None  # the signed checkpoint the chains were held to, if there is one

    @property
    def ok(self) -> bool:
        return not self.breaches


BALANCES = """
SELECT m.id AS member, m.points_balance AS balance, COALESCE(e.total, 0) AS deltas, COALESCE(l.total, 0) AS lots
FROM member m
LEFT JOIN (SELECT member, SUM(delta) AS total FROM ledger_entry GROUP BY member) e ON e.member = m.id
LEFT JOIN (SELECT member, SUM(points_left) AS total FROM point_lot GROUP BY member) l ON l.member = m.id
WHERE m.points_balance <> COALESCE(e.total, 0) OR m.points_balance <> COALESCE(l.total, 0)
ORDER BY m.id LIMIT 1000
"""
LOTS = """
SELECT p.id AS lot, p.member AS member, p.points AS points, p.points_left AS points_left,
       COALESCE(d.total, 0) AS drawn
FROM point_lot p
LEFT JOIN (SELECT member, lot, SUM(points) AS total FROM lot_draw GROUP BY member, lot) d
  ON d.member = p.member AND d.lot = p.id
WHERE p.points_left <> p.points - COALESCE(d.total, 0) OR p.points_left < 0 OR p.points_left > p.points
ORDER BY p.id LIMIT 1000
"""
ENTRY_MOVES = """
SELECT e.id AS entry, e.member AS member, e.delta AS delta, COALESCE(c.total, 0) AS credited,
       COALESCE(d.total, 0) AS drawn
FROM ledger_entry e
LEFT JOIN (SELECT member, entry, SUM(points) AS total FROM point_lot GROUP BY member, entry) c
  ON c.member = e.member AND c.entry = e.id
LEFT JOIN (SELECT member, entry, SUM(points) AS total FROM lot_draw GROUP BY member, entry) d
  ON d.member = e.member AND d.entry = e.id
WHERE e.delta <> COALESCE(c.total, 0) - COALESCE(d.total, 0)
ORDER BY e.id LIMIT 1000
"""
FOREIGN_DRAWS = """
SELECT d.entry AS entry, COALESCE(d.member, 0) AS member, d.lot AS lot
FROM lot_draw d
LEFT JOIN ledger_entry e ON e.member = d.member AND e.id = d.entry
LEFT JOIN point_lot p ON p.member = d.member AND p.id = d.lot
WHERE e.id IS NULL OR p.id IS NULL
ORDER BY d.entry LIMIT 1000
"""
HEADS = """
SELECT m.id AS member, m.ledger_head AS head, e.id AS entry, e.entry_hash AS last_hash
FROM member m
LEFT JOIN (SELECT member, MAX(id) AS last FROM ledger_entry GROUP BY member) t ON t.member = m.id
LEFT JOIN ledger_entry e ON e.member = t.member AND e.id = t.last
WHERE COALESCE(e.entry_hash, '') <> m.ledger_head
ORDER BY m.id LIMIT 1000
"""


async def check(
    *,
    batch: int = 5000,
    progress: bool = True,
    checkpoints: Path | None = None,
    checkpoint: Path | None = None,
    public_key: Ed25519PublicKey | None = None,
) -> Report:
    """:param checkpoints: where signed checkpoints are (default ``LEDGER_CHECKPOINT_DIR``)
    :param checkpoint: hold the chains to this checkpoint file instead of the newest one
    :param public_key: the key they must be signed with (default: the signing key's)"""
    report = Report(members=await Member.count(), entries=await LedgerEntry.count(), lots=await PointLot.count())
    add = report.breaches.append
    path = checkpoint or newest(checkpoints or LEDGER_SEAL.checkpoint_dir)
    walk = _checkpoint_walk(report, path, public_key) if path else CheckpointWalk(None)
    for r in await db.fetch(BALANCES):
        add(Breach(r["member"], f"balance {r['balance']} ≠ Σ deltas {r['deltas']} or Σ lots {r['lots']}"))
    for r in await db.fetch(LOTS):
        add(
            Breach(
                r["member"],
                f"lot has {r['points_left']} left of {r['points']} but {r['drawn']} were drawn",
                lot_id=r["lot"],
            )
        )
    for r in await db.fetch(ENTRY_MOVES):
        add(Breach(r["member"], f"delta {r['delta']} ≠ lots credited {r['credited']} − drawn {r['drawn']}", r["entry"]))
    for r in await db.fetch(FOREIGN_DRAWS):
        add(Breach(r["member"], "draw is not of its entry's and its lot's member", r["entry"], r["lot"]))
    for r in await db.fetch(HEADS):
        add(Breach(r["member"], f"ledger_head {r['head'][:12]!r} is not the newest entry's hash", r["entry"]))
    report.breaches.extend(await cross_breaches())
    bar = tqdm(total=report.entries, unit="entry", disable=not progress or report.entries < PROGRESS_FROM)
    try:
        async for breach in _chain_breaches(batch, bar, walk):
            add(breach)
    finally:
        bar.close()
    return report


def _checkpoint_walk(report: Report, path: Path, public_key: Ed25519PublicKey | None) -> CheckpointWalk:
    key = public_key or trusted_public_key()
    if key is None:
        report.breaches.append(Breach(0, f"{path.name} cannot be verified: no ledger signing key to verify it with"))
        return CheckpointWalk(None)
    try:
        checkpoint = verify_checkpoint(path, key)
    except (BadSeal, OSError) as exc:
        report.breaches.append(Breach(0, f"{path.name} does not verify: {exc}"))
        return CheckpointWalk(None)
    report.checkpoint = path.name
    return CheckpointWalk(checkpoint)


async def _chain_breaches(batch: int, bar: tqdm[Any], walk: CheckpointWalk) -> AsyncIterator[Breach]:
    member, last_id, position = -1, -1, 0
    prev_hash, prev_balance = "", 0
    while True:
        rows = (
            await LedgerEntry.select(
                LedgerEntry.id,
                LedgerEntry.member,
                LedgerEntry.delta,
                LedgerEntry.kind,
                LedgerEntry.reference,
                LedgerEntry.balance_after,
                LedgerEntry.shortfall,
                LedgerEntry.created_at,
                LedgerEntry.prev_hash,
                LedgerEntry.entry_hash,
            )
            .where((LedgerEntry.member > member) | ((LedgerEntry.member == member) & (LedgerEntry.id > last_id)))
            .order_by(LedgerEntry.member)
            .order_by(LedgerEntry.id)
            .limit(batch)
        )
        for e in rows:
            if e["member"] != member:
                for breach in walk.member_done(member, position) + walk.before(e["member"]):
                    yield breach
                member, prev_hash, prev_balance, position = e["member"], "", 0, 0
            last_id, position = e["id"], position + 1
            for breach in walk.entry(member, position, e["id"], e["entry_hash"], e["balance_after"]):
                yield breach
            if e["prev_hash"] != prev_hash:
                yield Breach(member, "prev_hash does not match the previous entry: history was changed", e["id"])
            digest = entry_hash(
                e["prev_hash"],
                e["member"],
                e["delta"],
                e["kind"],
                e["reference"],
                e["balance_after"],
                e["shortfall"],
                e["created_at"],
            )
            if digest != e["entry_hash"]:
                yield Breach(member, "entry_hash does not match its content: the entry was edited", e["id"])
            if e["balance_after"] != prev_balance + e["delta"]:
                yield Breach(
                    member,
                    f"balance_after {e['balance_after']} ≠ previous {prev_balance} + delta {e['delta']}",
                    e["id"],
                )
            prev_hash, prev_balance = e["entry_hash"], e["balance_after"]
        bar.update(len(rows))
        if len(rows) < batch:
            for breach in walk.member_done(member, position) + walk.before(None):
                yield breach
            return


async def check_ledger(batch: int = 5000, checkpoint: str = "") -> None:
    """Verify the points ledger's invariants; exit 1 naming member and entry on any breach.

    :param batch: entries read per query while following the hash chains
    :param checkpoint: a checkpoint file to hold the chains to (default: the newest in LEDGER_CHECKPOINT_DIR)
    """
    report = await check(batch=batch, checkpoint=Path(checkpoint) if checkpoint else None)
    print(
        f"checked {report.members} members, {report.entries} ledger entries, {report.lots} lots: "
        "balances = Σ deltas = Σ lots left, lots vs draws, entry moves, hash chains, ledger heads, "
        "purchases, claims, refunds, vouchers and gifts against their entries"
    )
    if report.checkpoint:
        print(f"chains held to the heads signed in {report.checkpoint}")
    else:
        print("no signed checkpoint yet: run `piccolo loyalty ledger_checkpoint`")
    if report.ok:
        print("ledger OK")
        return
    print(f"LEDGER BROKEN: {len(report.breaches)} breach(es)", file=sys.stderr)
    for breach in report.breaches[:SHOW_AT_MOST]:
        print(f"  {breach}", file=sys.stderr)
    if len(report.breaches) > SHOW_AT_MOST:
        print(f"  … and {len(report.breaches) - SHOW_AT_MOST} more", file=sys.stderr)
    sys.exit(1)

"""Signed checkpoints: every member's chain head, sealed with a key the database does not hold.

A hash chain alone proves nothing to someone who can write the database: they can edit an entry
and recompute every hash after it, or delete the newest entries and set ``ledger_head`` and the
balance back. A checkpoint, written outside the database and signed, pins each member's chain:

* one JSON Lines file per checkpoint in ``LEDGER_CHECKPOINT_DIR`` (``checkpoint-<UTC time>.jsonl``,
  written whole to a temporary name and renamed, so a reader never sees half a file): a header
  line, one line ``[member, entries, head_entry, head, balance]`` per member with entries, in
  member order, and a trailer with the totals, the SHA-256 of every line before it, and the
  Ed25519 signature over the trailer (:mod:`loyalty.points.seal`);
* read page by page by member id (each page one statement, so a member's count, head and
  balance come from one snapshot), written line by line: memory stays flat at a million members;
* ``check_ledger`` verifies the newest checkpoint and walks it beside the entries it already
  streams (:class:`CheckpointWalk`, a merge on member id): the member's entry number ``entries``
  must still be ``head_entry`` with hash ``head`` and balance ``balance``. The chain check pins
  everything before it, so an edit of earlier history, recomputed or not, a deleted entry, a
  truncated chain and a member whose entries are all gone are each reported.

What happened after the newest checkpoint is only as safe as the chain: checkpoint often (the
``points.checkpoint`` job), and :func:`seal_ledger` refuses to sign a ledger that fails the check.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from loyalty import db
from loyalty.points.seal import BadSeal, sign, verify
from loyalty.points.terms import Breach, utc_now

FORMAT = "thanthiet-ledger-checkpoint/1"
PAGE = 5000
HEADS = """
SELECT m.id AS member, m.ledger_head AS head, m.points_balance AS balance,
       (SELECT COUNT(*) FROM ledger_entry e WHERE e.member = m.id) AS entries,
       (SELECT MAX(e.id) FROM ledger_entry e WHERE e.member = m.id) AS head_entry
FROM member m
WHERE m.id > $1 AND m.ledger_head <> ''
ORDER BY m.id LIMIT $2
"""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    path: Path
    taken_at: str
    members: int
    entries: int
    points: int


@dataclass(frozen=True, slots=True)
class Pin:
    """One member's chain as a checkpoint saw it."""

    member: int
    entries: int
    head_entry: int
    head: str
    balance: int


class _File:
    """The checkpoint being written: each line counted into the digest the trailer signs."""

    def __init__(self, directory: Path, taken_at: datetime) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.final = directory / f"checkpoint-{taken_at:%Y%m%dT%H%M%S%fZ}.jsonl"
        self._partial = self.final.with_suffix(".partial")
        self._out = self._partial.open("wb")
        self.digest = hashlib.sha256()

    def line(self, value: Any) -> None:
        data = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        self.digest.update(data)
        self._out.write(data)

    def close(self, trailer: dict[str, Any]) -> None:
        self._out.write(json.dumps(trailer, separators=(",", ":")).encode() + b"\n")
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        os.replace(self._partial, self.final)

    def abandon(self) -> None:
        self._out.close()
        self._partial.unlink(missing_ok=True)


async def write_checkpoint(directory: Path, key: Ed25519PrivateKey, *, now: datetime | None = None) -> Checkpoint:
    """Seal every member's head into a new checkpoint file in ``directory``."""
    taken_at = (now or utc_now()).astimezone(UTC)
    members = entries = points = 0
    out = _File(directory, taken_at)
    try:
        out.line({"format": FORMAT, "taken_at": taken_at.isoformat()})
        after = 0
        while True:
            rows = await db.fetch(HEADS, after, PAGE)
            for r in rows:
                out.line([r["member"], int(r["entries"]), r["head_entry"], r["head"], r["balance"]])
                members, entries, points = members + 1, entries + int(r["entries"]), points + int(r["balance"])
            if len(rows) < PAGE:
                break
            after = rows[-1]["member"]
    except BaseException:
        out.abandon()
        raise
    trailer = {
        "format": FORMAT,
        "taken_at": taken_at.isoformat(),
        "members": members,
        "entries": entries,
        "points": points,
        "sha256": out.digest.hexdigest(),
    }
    out.close(sign(trailer, key))
    return Checkpoint(out.final, taken_at.isoformat(), members, entries, points)


def newest(directory: Path) -> Path | None:
    found = sorted(directory.glob("checkpoint-*.jsonl")) if directory.is_dir() else []
    return found[-1] if found else None


def verify_checkpoint(path: Path, public_key: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint when its trailer is signed by ``public_key`` and covers every line above it;
    :class:`BadSeal` otherwise."""
    digest = hashlib.sha256()
    last: bytes | None = None
    count = 0
    with path.open("rb") as lines:
        for data in lines:
            if last is not None:
                digest.update(last)
                count += 1
            last = data
    if last is None or count < 1:
        raise BadSeal("the file is empty or cut short")
    try:
        trailer = json.loads(last)
    except ValueError:
        raise BadSeal("it has no trailer: the file was cut short") from None
    verify(trailer, public_key)
    if trailer.get("sha256") != digest.hexdigest() or trailer.get("members") != count - 1:
        raise BadSeal("its lines are not the ones that were signed")
    return Checkpoint(path, trailer["taken_at"], trailer["members"], trailer["entries"], trailer["points"])


def pins(path: Path) -> Iterator[Pin]:
    """The member lines of a verified checkpoint, in member order."""
    with path.open("rb") as lines:
        next(lines)  # the header
        for data in lines:
            value = json.loads(data)
            if isinstance(value, dict):  # the trailer
                return
            yield Pin(*value)


class CheckpointWalk:
    """Walks a checkpoint's pins beside the entries streamed in (member, id) order.

    The caller reports each entry with its position in its member's chain, each member's end,
    and the end of the stream; each call returns what does not agree with the checkpoint.
    Without a checkpoint (None) it walks nothing and finds nothing.
    """

    def __init__(self, checkpoint: Checkpoint | None) -> None:
        self.name = checkpoint.path.name if checkpoint else ""
        self._pins = pins(checkpoint.path) if checkpoint else iter(())
        self._pin: Pin | None = next(self._pins, None)

    def _advance(self) -> None:
        self._pin = next(self._pins, None)

    def before(self, member: int | None) -> list[Breach]:
        """Members the checkpoint pinned below ``member`` (None: the end) that have no entries now."""
        found = []
        while self._pin is not None and (member is None or self._pin.member < member):
            pin = self._pin
            found.append(
                Breach(
                    pin.member,
                    f"{self.name} sealed {pin.entries} entries up to entry {pin.head_entry}; none are left: "
                    "the member's entries were deleted",
                )
            )
            self._advance()
        return found

    def entry(self, member: int, position: int, entry_id: int, digest: str, balance_after: int) -> list[Breach]:
        pin = self._pin
        if pin is None or pin.member != member or position != pin.entries:
            return []
        if (entry_id, digest, balance_after) == (pin.head_entry, pin.head, pin.balance):
            return []
        return [
            Breach(
                member,
                f"{self.name} sealed entry #{position} as entry {pin.head_entry} (hash {pin.head[:12]}, balance "
                f"{pin.balance}); it is now entry {entry_id} (hash {digest[:12]}, balance {balance_after}): "
                "history before the checkpoint was rewritten",
                entry_id,
            )
        ]

    def member_done(self, member: int, count: int) -> list[Breach]:
        pin = self._pin
        if pin is None or pin.member != member:
            return []
        self._advance()
        if count >= pin.entries:
            return []
        return [
            Breach(
                member,
                f"{self.name} sealed {pin.entries} entries up to entry {pin.head_entry} (balance {pin.balance}); "
                f"only {count} are left: entries were deleted",
            )
        ]

"""``piccolo loyalty ledger_checkpoint`` and the ``points.checkpoint`` job: check, then seal.

Rules: a checkpoint is written only after ``check_ledger``'s checks pass, so a tampered ledger
is never signed as good: the job writes a ``ledger.broken`` alert instead (the admin's Audit
log) and the command exits 1 naming the breaches. The key is read from
``LEDGER_SIGNING_KEY_FILE`` and the file goes to ``LEDGER_CHECKPOINT_DIR``, both outside the
database.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from loyalty import audit
from loyalty.jobs import job
from loyalty.points.check import SHOW_AT_MOST, Report, check
from loyalty.points.checkpoints import Checkpoint, write_checkpoint
from loyalty.points.keys import signing_key
from loyalty.points.seal import key_id, public_pem
from loyalty.settings import LEDGER_SEAL

log = logging.getLogger(__name__)
EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Sealed:
    report: Report
    checkpoint: Checkpoint | None  # None: the check failed and nothing was signed


async def seal_ledger(
    *,
    directory: Path | None = None,
    key_file: Path | None = None,
    now: datetime | None = None,
    progress: bool = False,
) -> Sealed:
    """Check the ledger (against the previous checkpoint too) and, if it holds, seal a new one."""
    directory = directory or LEDGER_SEAL.checkpoint_dir
    key = signing_key(key_file)
    report = await check(progress=progress, checkpoints=directory, public_key=key.public_key())
    if not report.ok:
        return Sealed(report, None)
    return Sealed(report, await write_checkpoint(directory, key, now=now))


@job("points.checkpoint", every=EVERY)
async def checkpoint_ledger(now: datetime) -> int:
    sealed = await seal_ledger(now=now)
    if sealed.checkpoint is None:
        detail = "; ".join(str(b) for b in sealed.report.breaches[:SHOW_AT_MOST])
        log.error("ledger checkpoint refused: %s breach(es): %s", len(sealed.report.breaches), detail)
        await audit.alert("ledger.broken", "ledger", "", detail=detail, breaches=len(sealed.report.breaches))
        return 0
    return sealed.checkpoint.members


async def ledger_checkpoint() -> None:
    """Check the ledger, then write a checkpoint of every member's chain, signed with the ledger key."""
    sealed = await seal_ledger(progress=True)
    if sealed.checkpoint is None:
        print(f"LEDGER BROKEN: {len(sealed.report.breaches)} breach(es); no checkpoint written", file=sys.stderr)
        for breach in sealed.report.breaches[:SHOW_AT_MOST]:
            print(f"  {breach}", file=sys.stderr)
        sys.exit(1)
    done = sealed.checkpoint
    print(f"checkpoint {done.path}: {done.members} members, {done.entries} entries, {done.points} points")


def ledger_public_key() -> None:
    """Print the ledger's public key (PEM) and its key id: what verifies statements and checkpoints."""
    public = signing_key().public_key()
    print(f"key id {key_id(public)}")
    print(public_pem(public), end="")

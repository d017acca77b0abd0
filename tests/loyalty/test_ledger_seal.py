"""A ledger no one can quietly rewrite: each tampering the plain hash chain lets through is reported.

Each test replays what someone with write access to the database could do: rewrite history and
recompute every hash, delete a member's only entry and lot, cut the newest entries and set the
head and balance back, or remove what a purchase, claim, refund, voucher or gift points at.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loyalty import campaigns, earning, points, rewards
from loyalty.audit import StaffActor
from loyalty.db import execute, fetch
from loyalty.earning import cards
from loyalty.members.accounts import record_member
from loyalty.points import check as check_module
from loyalty.points import keys, sealing
from loyalty.points.check import Report, check
from loyalty.points.checkpoints import newest, write_checkpoint
from loyalty.points.seal import create_key_file
from loyalty.schema import AuditLog, LedgerEntry, Member, Reward
from loyalty.settings import LedgerSeal
from tests.support.campaigns import NOW, launched_campaign

T0 = datetime(2026, 11, 22, 10, tzinfo=UTC)
STAFF = StaffActor(None, "test staff")


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "ledger-key.pem"
    create_key_file(path)
    return path


@pytest.fixture
def seal_dir(tmp_path: Path) -> Path:
    return tmp_path / "checkpoints"


def _key(key_file: Path) -> Ed25519PrivateKey:
    return points.seal.load_private_key(key_file.read_bytes())


async def _check(seal_dir: Path, key_file: Path) -> Report:
    return await check(progress=False, checkpoints=seal_dir, public_key=_key(key_file).public_key())


async def _earn(
    till: dict[str, Any], member: Member, receipt: str, amount: int, minute: int = 0
) -> earning.EarnOutcome:
    at = T0 + timedelta(minutes=minute)  # a member code earns once: each earn shows the code of its minute
    return await earning.earn_at_till(
        store_id=till["store_id"],
        terminal_id=till["terminal_id"],
        member_code=cards.code_for(member.public_id, member.card_secret, at).code,
        receipt_no=receipt,
        amount=amount,
        now=at,
    )


async def _programme(till: dict[str, Any]) -> dict[str, Any]:
    """Everything that moves points, honestly: earns, a refund, a claim, vouchers, a gift."""
    lan = await record_member("0901234567")
    await _earn(till, lan, "R-1", 120_000)
    await _earn(till, lan, "R-2", 500_000, minute=1)
    await earning.refund(store_id=till["store_id"], terminal_id=till["terminal_id"], receipt_no="R-2", amount=250_000)
    claim = await earning.create_claim(
        store_id=till["store_id"], terminal_id=till["terminal_id"], receipt_no="R-3", amount=300_000, now=T0
    )
    await earning.claim(lan.id, claim.code, now=T0)
    reward = Reward(name_vi="Cà phê", name_en="Coffee", points_cost=20, valid_from=T0 - timedelta(days=1))
    await reward.save()
    kept = await rewards.redeem(lan.id, reward.id, reference=f"redeem:{lan.id}:k1", now=T0)
    cancelled = await rewards.redeem(lan.id, reward.id, reference=f"redeem:{lan.id}:k2", now=T0)
    await rewards.cancel(cancelled.voucher.code, reason="asked for it", actor=STAFF, now=T0)
    await campaigns.run_campaign(await launched_campaign(), now=NOW)
    return {"member": lan.id, "kept": kept.voucher.code, "cancelled": cancelled.voucher.code}


async def _rechain(member_id: int) -> None:
    """What an attacker does after editing history: recompute every plain SHA-256 hash and the head."""
    prev = ""
    rows = await LedgerEntry.select().where(LedgerEntry.member == member_id).order_by(LedgerEntry.id)
    for r in rows:
        digest = points.entry_hash(
            prev, member_id, r["delta"], r["kind"], r["reference"], r["balance_after"], r["shortfall"], r["created_at"]
        )
        await execute("UPDATE ledger_entry SET prev_hash = $1, entry_hash = $2 WHERE id = $3", prev, digest, r["id"])
        prev = digest
    await execute("UPDATE member SET ledger_head = $1 WHERE id = $2", prev, member_id)


async def _three_credits() -> tuple[int, list[int]]:
    member = await record_member("0907654321")
    ids = []
    for n, amount in enumerate((100, 40, 7)):
        posting = await points.credit(member.id, amount, kind=points.Kind.GIFT, reference=f"g{n}", now=T0)
        ids.append(posting.entry_id)
    await points.debit(member.id, 60, kind=points.Kind.ADJUST, reference="d", now=T0)
    return member.id, ids


def _whats(report: Report) -> list[str]:
    return [str(b) for b in report.breaches]


async def test_the_whole_programme_passes_and_is_sealed(
    till: dict[str, Any], seal_dir: Path, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await _programme(till)
    sealed = await sealing.seal_ledger(directory=seal_dir, key_file=key_file)
    assert sealed.report.ok, _whats(sealed.report)
    assert sealed.checkpoint is not None and sealed.checkpoint.members == 1
    report = await _check(seal_dir, key_file)
    assert report.ok and report.checkpoint == sealed.checkpoint.path.name


async def test_an_edit_with_a_recomputed_chain_passes_the_chain_but_not_the_checkpoint(
    seal_dir: Path, key_file: Path
) -> None:
    member_id, (first, *_) = await _three_credits()
    await write_checkpoint(seal_dir, _key(key_file))
    # 50 points more on the first credit, carried through its lot, every later balance and the member.
    await execute("UPDATE ledger_entry SET delta = delta + 50 WHERE id = $1", first)
    await execute("UPDATE point_lot SET points = points + 50, points_left = points_left + 50 WHERE entry = $1", first)
    await execute("UPDATE ledger_entry SET balance_after = balance_after + 50 WHERE member = $1", member_id)
    await execute("UPDATE member SET points_balance = points_balance + 50 WHERE id = $1", member_id)
    await _rechain(member_id)
    assert (await _check(seal_dir / "none", key_file)).ok  # the plain chain alone is fooled
    report = await _check(seal_dir, key_file)
    assert any(
        b.member_id == member_id and "history before the checkpoint was rewritten" in b.what for b in report.breaches
    ), _whats(report)


async def test_deleting_a_members_only_entry_and_lot_is_reported(
    till: dict[str, Any], seal_dir: Path, key_file: Path
) -> None:
    lan = await record_member("0901234567")
    earned = await _earn(till, lan, "R-1", 120_000)
    assert earned.earn.points_earned == 12
    await write_checkpoint(seal_dir, _key(key_file))
    await execute("UPDATE purchase SET earn_entry = NULL")
    await execute("DELETE FROM point_lot")
    await execute("DELETE FROM ledger_entry")
    await execute("UPDATE member SET points_balance = 0, ledger_head = ''")
    whats = _whats(await _check(seal_dir, key_file))
    assert any(f"member {lan.id}: purchase" in w and "earned 12 points but has no earn entry" in w for w in whats)
    assert any(f"member {lan.id}: checkpoint-" in w and "none are left" in w for w in whats), whats


async def test_cutting_the_newest_entry_and_resetting_head_and_balance_is_caught_by_the_checkpoint(
    seal_dir: Path, key_file: Path
) -> None:
    member = await record_member("0907654321")
    for n in range(3):
        await points.credit(member.id, 10, kind=points.Kind.GIFT, reference=f"g{n}", now=T0)
    await write_checkpoint(seal_dir, _key(key_file))
    second, third = await fetch("SELECT id, entry_hash FROM ledger_entry ORDER BY id DESC LIMIT 2")
    await execute("DELETE FROM point_lot WHERE entry = $1", second["id"])
    await execute("DELETE FROM ledger_entry WHERE id = $1", second["id"])
    await execute("UPDATE member SET ledger_head = $1, points_balance = 20", third["entry_hash"])
    assert (await _check(seal_dir / "none", key_file)).ok  # a keyed chain would be fooled too
    whats = _whats(await _check(seal_dir, key_file))
    assert whats == [
        f"member {member.id}: {newest(seal_dir).name} sealed 3 entries up to entry {second['id']} "  # type: ignore[union-attr]
        "(balance 30); only 2 are left: entries were deleted"
    ]


async def test_a_deleted_earn_entry_is_missed_by_its_purchase(
    till: dict[str, Any], seal_dir: Path, key_file: Path
) -> None:
    await _programme(till)
    [row] = await fetch("SELECT id, earn_entry FROM purchase WHERE receipt_no = 'R-1'")
    await execute("UPDATE purchase SET earn_entry = NULL WHERE id = $1", row["id"])
    whats = _whats(await _check(seal_dir, key_file))
    assert any(f"purchase {row['id']} earned 12 points but has no earn entry" in w for w in whats)
    assert any(f"entry {row['earn_entry']}: earn entry earn:" in w and "has no purchase" in w for w in whats)


async def test_a_refund_whose_entries_were_removed_is_reported(
    till: dict[str, Any], seal_dir: Path, key_file: Path
) -> None:
    await _programme(till)
    await execute("UPDATE purchase SET points_reversed = 0 WHERE receipt_no = 'R-2'")
    whats = _whats(await _check(seal_dir, key_file))
    assert any("took back 0 points but its refund entries took back 25" in w for w in whats), whats
    await execute("UPDATE purchase SET points_reversed = 25 WHERE receipt_no = 'R-2'")
    await execute("UPDATE ledger_entry SET reference = 'refund:R-2:x' WHERE reference LIKE 'refund:%'")
    whats = _whats(await _check(seal_dir, key_file))
    assert any("took back 25 points but has no refund entries" in w for w in whats), whats
    assert any(
        "purchase ? took back nothing (there is no such purchase) but its refund entries took back 25" in w
        for w in whats
    )


async def test_a_claim_without_its_purchase_is_reported(till: dict[str, Any], seal_dir: Path, key_file: Path) -> None:
    done = await _programme(till)
    await execute("UPDATE purchase SET member = $1 WHERE channel = 'claim'", (await record_member("0912345678")).id)
    whats = _whats(await _check(seal_dir, key_file))
    assert any(
        f"member {done['member']}: claimed receipt code for receipt R-3 has no claim purchase" in w for w in whats
    )
    assert any("was claimed but no receipt code was claimed by this member" in w for w in whats)


async def test_vouchers_are_checked_against_their_spend_and_give_back_entries(
    till: dict[str, Any], seal_dir: Path, key_file: Path
) -> None:
    done = await _programme(till)
    await execute("UPDATE voucher SET spend_entry = NULL WHERE code = $1", done["kept"])
    await execute("UPDATE voucher SET status = 'issued' WHERE code = $1", done["cancelled"])
    whats = _whats(await _check(seal_dir, key_file))
    assert any(f"voucher {done['kept']} cost 20 points but has no spend entry" in w for w in whats), whats
    assert any("bought no voucher" in w for w in whats)
    assert any(f"voucher {done['cancelled']} is issued but its points were given back" in w for w in whats)


async def test_a_gift_without_its_entry_and_an_entry_without_its_gift_are_reported(
    till: dict[str, Any], seal_dir: Path, key_file: Path
) -> None:
    await _programme(till)
    [gift] = await fetch("SELECT id, entry FROM campaign_gift")
    await execute("UPDATE campaign_gift SET points = 40 WHERE id = $1", gift["id"])
    whats = _whats(await _check(seal_dir, key_file))
    assert any(f"campaign gift {gift['id']} gave 40 points but its entry moved 50" in w for w in whats), whats
    await execute("DELETE FROM campaign_gift")
    whats = _whats(await _check(seal_dir, key_file))
    assert any(f"entry {gift['entry']}: gift entry campaign-gift:" in w and "has no campaign gift" in w for w in whats)


async def test_a_checkpoint_changed_or_signed_by_another_key_does_not_verify(seal_dir: Path, key_file: Path) -> None:
    await _three_credits()
    checkpoint = await write_checkpoint(seal_dir, _key(key_file))
    lines = checkpoint.path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b",40]", b",4000]").replace(b",87]", b",8700]")
    checkpoint.path.write_bytes(b"\n".join(lines))
    whats = _whats(await _check(seal_dir, key_file))
    assert whats == [f"ledger: {checkpoint.path.name} does not verify: its lines are not the ones that were signed"]
    later = await write_checkpoint(seal_dir, Ed25519PrivateKey.generate(), now=datetime.now(UTC) + timedelta(hours=1))
    whats = _whats(await _check(seal_dir, key_file))
    assert len(whats) == 1 and whats[0].startswith(f"ledger: {later.path.name} does not verify: signed by key")


async def test_a_broken_ledger_is_never_sealed_and_the_job_alerts_staff(
    seal_dir: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    member_id, _ = await _three_credits()
    monkeypatch.setattr(sealing, "LEDGER_SEAL", LedgerSeal(key_file, seal_dir))
    assert await sealing.checkpoint_ledger(T0) == 1 and newest(seal_dir) is not None
    sealed_first = newest(seal_dir)
    await execute("UPDATE member SET points_balance = points_balance + 1 WHERE id = $1", member_id)
    assert await sealing.checkpoint_ledger(T0 + timedelta(hours=1)) == 0
    assert newest(seal_dir) == sealed_first
    assert await AuditLog.count().where(AuditLog.action == "ledger.broken") == 1


async def test_the_commands_seal_and_check_against_a_chosen_checkpoint(
    seal_dir: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    member_id, _ = await _three_credits()
    monkeypatch.setattr(sealing, "LEDGER_SEAL", LedgerSeal(key_file, seal_dir))
    monkeypatch.setattr(check_module, "LEDGER_SEAL", LedgerSeal(key_file, seal_dir))
    monkeypatch.setattr(keys, "LEDGER_SEAL", LedgerSeal(key_file, seal_dir))
    await sealing.ledger_checkpoint()
    before = newest(seal_dir)
    assert before is not None and f"checkpoint {before}: 1 members, 4 entries, 87 points" in capsys.readouterr().out
    # A restore from a backup taken before the newest checkpoint: hold it to the checkpoint before.
    await points.credit(member_id, 5, kind=points.Kind.GIFT, reference="later", now=T0)
    await sealing.ledger_checkpoint()
    await execute("DELETE FROM point_lot WHERE entry = (SELECT MAX(id) FROM ledger_entry)")
    await execute("DELETE FROM ledger_entry WHERE reference = 'later'")
    [head] = await fetch("SELECT entry_hash FROM ledger_entry ORDER BY id DESC LIMIT 1")
    await execute("UPDATE member SET ledger_head = $1, points_balance = 87", head["entry_hash"])
    with pytest.raises(SystemExit):
        await check_module.check_ledger()
    assert "only 4 are left" in capsys.readouterr().err
    await check_module.check_ledger(checkpoint=str(before))
    out = capsys.readouterr().out
    assert f"chains held to the heads signed in {before.name}" in out and "ledger OK" in out
    await execute("UPDATE member SET points_balance = 88")
    with pytest.raises(SystemExit) as refused:
        await sealing.ledger_checkpoint()
    assert refused.value.code == 1 and "no checkpoint written" in capsys.readouterr().err

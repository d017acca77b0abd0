"""One-time codes to a member's phone, and spending at the till by phone with one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from loyalty import members, points, rewards
from loyalty.members import phone_codes
from loyalty.schema import LedgerEntry, PhoneCode, Reward, Store, Terminal, Voucher, VoucherStatus
from tests.support.ledger import assert_ledger_ok
from tests.support.rewards import make_reward

PHONE = "0907 333 444"
NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


async def _member(till: dict[str, Any], balance: int = 0) -> int:
    member = await members.enrol_at_till(PHONE, "Anh Tú", terminal_id=till["terminal_id"], store_code="Q1")
    if balance:
        await points.credit(member.id, balance, kind=points.Kind.GIFT, reference=f"welcome:{member.id}")
    return member.id


async def test_a_code_is_six_digits_used_once_and_never_stored_in_the_clear(till: dict[str, Any]) -> None:
    member_id = await _member(till)
    issued = await members.issue_phone_code("+84907333444", terminal_id=till["terminal_id"], now=NOW)
    assert len(issued.code) == 6 and issued.code.isdigit() and issued.phone == "+84907333444"
    assert issued.valid_until == NOW + timedelta(minutes=5)
    stored = await PhoneCode.select(PhoneCode.code_hash).first()
    assert stored is not None and issued.code not in stored["code_hash"]
    await members.confirm_phone_code(member_id, issued.code, now=NOW + timedelta(minutes=1))
    with pytest.raises(members.PhoneCodeRefused):
        await members.confirm_phone_code(member_id, issued.code, now=NOW + timedelta(minutes=1))


async def test_wrong_tries_are_counted_and_end_the_code(till: dict[str, Any]) -> None:
    member_id = await _member(till)
    issued = await members.issue_phone_code(PHONE, terminal_id=till["terminal_id"], now=NOW)
    wrong = f"{(int(issued.code) + 1) % 10**6:06d}"
    for _ in range(phone_codes.MAX_ATTEMPTS):
        with pytest.raises(members.PhoneCodeRefused):
            await members.confirm_phone_code(member_id, wrong, now=NOW)
    assert await PhoneCode.select(PhoneCode.attempts).first() == {"attempts": phone_codes.MAX_ATTEMPTS}
    with pytest.raises(members.PhoneCodeRefused):
        await members.confirm_phone_code(member_id, issued.code, now=NOW)


async def test_an_expired_or_replaced_code_is_refused(till: dict[str, Any]) -> None:
    member_id = await _member(till)
    first = await members.issue_phone_code(PHONE, terminal_id=till["terminal_id"], now=NOW)
    with pytest.raises(members.PhoneCodeRefused):
        await members.confirm_phone_code(member_id, first.code, now=NOW + timedelta(minutes=5, seconds=1))
    second = await members.issue_phone_code(PHONE, terminal_id=till["terminal_id"], now=NOW + timedelta(minutes=6))
    if second.code != first.code:
        with pytest.raises(members.PhoneCodeRefused):
            await members.confirm_phone_code(member_id, first.code, now=NOW + timedelta(minutes=6))
    await members.confirm_phone_code(member_id, second.code, now=NOW + timedelta(minutes=7))


async def test_a_phone_gets_few_codes_in_a_window(till: dict[str, Any]) -> None:
    await _member(till)
    for minute in range(phone_codes.MAX_PER_WINDOW):
        await members.issue_phone_code(PHONE, terminal_id=till["terminal_id"], now=NOW + timedelta(minutes=minute))
    with pytest.raises(members.TooManyCodes):
        await members.issue_phone_code(PHONE, terminal_id=till["terminal_id"], now=NOW + timedelta(minutes=3))
    later = NOW + timedelta(minutes=phone_codes.WINDOW_MINUTES + 3)
    assert (await members.issue_phone_code(PHONE, terminal_id=till["terminal_id"], now=later)).code
    with pytest.raises(members.MemberNotFound):
        await members.issue_phone_code("0907 000 111", terminal_id=till["terminal_id"], now=NOW)


async def _terminal(till: dict[str, Any]) -> Terminal:
    terminal = await Terminal.objects(Terminal.store).where(Terminal.id == till["terminal_id"]).first()
    assert terminal is not None
    return terminal


async def test_spending_by_phone_takes_the_code_and_uses_the_reward_at_the_till(till: dict[str, Any]) -> None:
    member_id = await _member(till, balance=100)
    reward = await make_reward(points_cost=40, stock_left=5)
    terminal = await _terminal(till)
    now = datetime.now(UTC)
    issued = await members.issue_phone_code(PHONE, terminal_id=till["terminal_id"], now=now)
    wrong = f"{(int(issued.code) + 1) % 10**6:06d}"
    with pytest.raises(members.PhoneCodeRefused):
        await rewards.spend_by_phone(PHONE, wrong, reward.id, terminal, reference="k1", receipt_no="HD-9")
    assert await Voucher.count() == 0 and await LedgerEntry.count() == 1

    spent = await rewards.spend_by_phone(PHONE, issued.code, reward.id, terminal, reference="k1", receipt_no="HD-9")
    assert spent.points_balance == 60 and spent.redeemed.member_id == member_id
    voucher = await Voucher.objects().first()
    assert voucher is not None and voucher.status == VoucherStatus.REDEEMED and voucher.receipt_no == "HD-9"
    assert await Reward.select(Reward.stock_left).where(Reward.id == reward.id).first() == {"stock_left": 4}
    with pytest.raises(members.PhoneCodeRefused):  # one code, one spend
        await rewards.spend_by_phone(PHONE, issued.code, reward.id, terminal, reference="k2")
    await assert_ledger_ok()


async def test_a_reward_of_another_store_is_refused_before_the_code_is_used(till: dict[str, Any]) -> None:
    member_id = await _member(till, balance=100)
    other = Store(code="Q3", name="Quận 3")
    await other.save()
    elsewhere = await make_reward(points_cost=10, store=other.id)
    issued = await members.issue_phone_code(PHONE, terminal_id=till["terminal_id"])
    with pytest.raises(rewards.VoucherOtherStore):
        await rewards.spend_by_phone(PHONE, issued.code, elsewhere.id, await _terminal(till), reference="k3")
    await members.confirm_phone_code(member_id, issued.code)  # still live


async def test_tries_sent_at_once_are_counted_within_the_limit(till: dict[str, Any]) -> None:
    import asyncio

    member_id = await _member(till)
    issued = await members.issue_phone_code(PHONE, terminal_id=till["terminal_id"], now=NOW)
    wrong = f"{(int(issued.code) + 1) % 10**6:06d}"
    tries = await asyncio.gather(
        *(members.confirm_phone_code(member_id, wrong, now=NOW) for _ in range(3 * phone_codes.MAX_ATTEMPTS)),
        return_exceptions=True,
    )
    assert all(isinstance(t, members.PhoneCodeRefused) for t in tries)
    assert await PhoneCode.select(PhoneCode.attempts).first() == {"attempts": phone_codes.MAX_ATTEMPTS}
    with pytest.raises(members.PhoneCodeRefused):
        await members.confirm_phone_code(member_id, issued.code, now=NOW)

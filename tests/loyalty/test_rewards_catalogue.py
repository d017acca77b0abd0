"""The demo seed's rewards, and redeeming at the domain level (rewards.redeem)."""

from __future__ import annotations

import pytest

from loyalty import points, rewards
from loyalty.members.accounts import record_member
from loyalty.schema import Reward, Tier, TierBirthdayGift, Voucher
from loyalty.setup.demo import seed_demo
from tests.support.ledger import assert_ledger_ok


async def test_demo_seed_has_rewards_and_a_birthday_gift_and_runs_twice() -> None:
    await seed_demo()
    await seed_demo()
    assert await Tier.count() == 4
    assert await Reward.count() == 4
    gift = await TierBirthdayGift.objects(TierBirthdayGift.reward).first()
    assert gift is not None and gift.reward.active is False  # a gift only, not in the catalogue
    member = await record_member("0906000001")
    names = {r.name for r in await rewards.catalogue(member.id)}
    assert "Cà phê sữa đá" in names and "Bánh kem sinh nhật" not in names


async def test_redeem_replays_the_same_reference_and_refuses_it_for_another_reward() -> None:
    member = await record_member("0906000002")
    await points.credit(member.id, 500, kind=points.Kind.GIFT, reference="seed")
    coffee = Reward(name_vi="Cà phê", name_en="Coffee", points_cost=200)
    tea = Reward(name_vi="Trà", name_en="Tea", points_cost=100)
    await coffee.save()
    await tea.save()
    first = await rewards.redeem(member.id, coffee.id, reference="r1")
    again = await rewards.redeem(member.id, coffee.id, reference="r1")
    assert again.replayed and again.voucher.id == first.voucher.id and again.points_balance == 300
    with pytest.raises(rewards.VoucherReferenceReused):
        await rewards.redeem(member.id, tea.id, reference="r1")
    assert await Voucher.count() == 1
    await assert_ledger_ok()


async def test_a_free_reward_issues_a_voucher_without_a_ledger_entry() -> None:
    member = await record_member("0906000003")
    free = Reward(name_vi="Nước suối", name_en="Water", points_cost=0, stock_left=1)
    await free.save()
    done = await rewards.redeem(member.id, free.id, reference="free-1")
    assert done.voucher.spend_entry is None and done.points_balance == 0
    with pytest.raises(rewards.OutOfStock):
        await rewards.redeem(member.id, free.id, reference="free-2")

"""Statements put together from pieces: a segment inside an occurrence inside a batch, voucher
gifts within a cap and out of stock, filters whose preview and explanation agree, status moves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from loyalty import campaigns
from loyalty.audit import StaffActor
from loyalty.campaigns import gift_vouchers, lanes, segments, vip
from loyalty.campaigns.segment_filters import compile_filter
from loyalty.errors import InvalidInput
from loyalty.members import statistics
from loyalty.schema import AuditLog, Campaign, CampaignGift, Member, Reward, Tier, Voucher
from tests.support.campaigns import NOW, launched_campaign, ledger_holds, member, purchase


async def _statuses(campaign_id: int) -> dict[int, str]:
    rows = await CampaignGift.select(CampaignGift.member, CampaignGift.status).where(
        CampaignGift.campaign == campaign_id
    )
    return {row["member"]: row["status"] for row in rows}


async def _phone(member_id: int) -> str:
    row = await Member.select(Member.phone).where(Member.id == member_id).first()
    assert row is not None
    return str(row["phone"])


async def test_a_birthday_campaign_for_a_segment_gives_only_its_members_whose_birthday_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The segment's values, the occurrence's (zone and birthdays) and the batch's (lane, cursor)
    are numbered in one statement; every one of them must select."""
    monkeypatch.setattr(lanes, "GIVE_BATCH", 2)
    birthday = date(1991, 5, 20)
    chosen = [await member(city="Huế", birthday=birthday) for _ in range(3)]
    await member(city="Huế", birthday=date(1991, 5, 21))  # not today
    await member(city="Đà Nẵng", birthday=birthday)  # not in the segment
    await member(city="Huế", birthday=birthday, erased_at=NOW)  # erased
    segment = await segments.save_segment("Huế", {"field": "city", "op": "contains", "value": "huế"})
    campaign_id = await launched_campaign(audience="segment", segment=segment, schedule="birthday", run_at=None)
    morning = datetime(2027, 5, 20, 1, tzinfo=UTC)  # 08:00 in Hồ Chí Minh City
    assert await campaigns.run_campaign(campaign_id, now=morning) == 3
    assert await _statuses(campaign_id) == {m: "given" for m in chosen}
    assert await campaigns.run_campaign(campaign_id, now=morning) == 0
    for m in chosen:
        await ledger_holds(m)


async def _coffee(stock_left: int | None = None) -> int:
    reward = Reward(name_vi="Cà phê", name_en="Coffee", points_cost=0, voucher_valid_days=30, stock_left=stock_left)
    await reward.save()
    return int(reward.id)


async def test_voucher_gifts_to_a_vip_group_stop_at_the_cap_and_the_rest_are_over_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gift_vouchers, "CHOOSE_BATCH", 2)  # the group's members over several id ranges
    friends = [await member(name=f"Bạn {i}") for i in range(3)]
    outsider = await member(name="outsider")
    group = await vip.create_group("Bạn thân")
    phones = [await _phone(m) for m in friends]
    assert (await vip.add_phones(group, "\n".join(phones))).added == 3
    now = datetime.now(UTC)
    campaign_id = await launched_campaign(
        audience="vip_group", vip_group=group, gift_kind="voucher", reward=await _coffee(), run_at=now, max_gifts=2
    )
    assert await campaigns.run_campaign(campaign_id, now=now) == 2
    statuses = await _statuses(campaign_id)
    assert outsider not in statuses and sorted(statuses) == friends
    assert sorted(statuses.values()) == ["given", "given", "over_budget"]
    assert await Voucher.count() == 2
    campaign = await Campaign.select(Campaign.status, Campaign.gifts_issued).where(Campaign.id == campaign_id).first()
    assert campaign == {"status": "finished", "gifts_issued": 2}
    figures = await campaigns.results(campaign_id)
    assert (figures.audience, figures.gifts_issued, figures.over_budget, figures.vouchers_given) == (3, 2, 1, 2)


async def test_a_reward_out_of_stock_fails_the_gift_and_gives_its_count_back() -> None:
    people = [await member() for _ in range(2)]
    now = datetime.now(UTC)
    campaign_id = await launched_campaign(gift_kind="voucher", reward=await _coffee(stock_left=1), run_at=now)
    assert await campaigns.run_campaign(campaign_id, now=now) == 1
    statuses = await _statuses(campaign_id)
    assert sorted(statuses) == people and sorted(statuses.values()) == ["failed", "given"]
    failed = await CampaignGift.select(CampaignGift.error).where(CampaignGift.status == "failed").first()
    assert failed == {"error": "out of stock"}
    campaign = await Campaign.select(Campaign.status, Campaign.gifts_issued).where(Campaign.id == campaign_id).first()
    assert campaign == {"status": "finished", "gifts_issued": 1}
    assert (await campaigns.results(campaign_id)).failed == 1


def test_a_filter_numbers_its_placeholders_in_the_order_of_its_values() -> None:
    definition = {
        "or": [
            {"field": "age", "op": "between", "value": [20, 30]},
            {
                "and": [
                    {"field": "city", "op": "in", "value": ["Huế", "Vinh"]},
                    {"field": "gender", "op": "ne", "value": "male"},
                ]
            },
            {"field": "days_since_last_visit", "op": "lte", "value": 10},
        ]
    }
    compiled = compile_filter(definition)
    numbers = [int(n) for n in re.findall(r"\$(\d+)", compiled.sql)]
    assert numbers == list(range(1, len(compiled.args) + 1)) and len(numbers) == 6
    assert compiled.args[2:5] == ["Huế", "Vinh", "male"]
    assert [a for leaf in compiled.leaves for a in leaf.args] == compiled.args


async def test_preview_and_explanation_agree_on_a_filter_using_every_kind_of_value() -> None:
    gold = Tier(code="gold", name_vi="Vàng", name_en="Gold", rank=2)
    await gold.save()
    people: dict[str, int] = {
        "fits": await member(name="fits", birthday=date(1995, 7, 1), city="Hà Nội", gender="female"),
        "gold": await member(name="gold", birthday=date(1995, 7, 1), city="Hà Nội", gender="female", tier=gold.id),
        "old": await member(name="old", birthday=date(1950, 7, 1), city="Hà Nội", gender="female"),
        "elsewhere": await member(name="elsewhere", birthday=date(1995, 7, 1), city="Huế", gender="female"),
        "friend": await member(name="friend", city="Huế", gender="male"),
        "idle": await member(name="idle", birthday=date(1995, 7, 1), city="Hà Nội", gender="male"),
        "no birthday": await member(name="no birthday", city="Hà Nội", gender="female"),
    }
    for name in ("fits", "gold", "old", "elsewhere", "no birthday"):
        await purchase(people[name], days_ago=5)
    await statistics.refresh_all(now=NOW)
    group = await vip.create_group("Friends")
    await vip.add_phones(group, await _phone(people["friend"]))
    definition: dict[str, Any] = {
        "or": [
            {
                "and": [
                    {"field": "age", "op": "between", "value": [25, 40]},
                    {"field": "city", "op": "contains", "value": "hà"},
                    {"field": "tier", "op": "ne", "value": "gold"},
                    {"field": "visits_90d", "op": "in", "value": [1, 2]},
                    {"field": "days_since_last_visit", "op": "lte", "value": 30},
                    {"field": "birthday_month", "op": "in", "value": [6, 7]},
                    {"field": "gender", "op": "ne", "value": "male"},
                ]
            },
            {"field": "vip_group", "op": "eq", "value": "Friends"},
        ]
    }
    shown = await segments.preview(definition, sample=100, now=NOW)
    assert {row.name for row in shown.sample} == {"fits", "friend"} and shown.count == 2
    for name, member_id in people.items():
        why = await segments.explain(definition, member_id, now=NOW)
        assert why.included == (name in {"fits", "friend"}), (name, why.checks)
    gold_check = await segments.explain(definition, people["gold"], now=NOW)
    assert [c.result for c in gold_check.checks] == [True, True, False, True, True, True, True, False]


async def test_a_campaign_that_gives_cannot_be_changed_and_staff_moves_are_audited() -> None:
    await member(birthday=date(1990, 3, 15))
    staff = StaffActor(None, "lan")
    campaign_id = await launched_campaign(schedule="birthday", run_at=None)
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 1
    row = await Campaign.select(Campaign.status).where(Campaign.id == campaign_id).first()
    assert row == {"status": "running"}  # a birthday campaign goes on after its first gift
    with pytest.raises(campaigns.CampaignStateConflict):
        await campaigns.update_campaign(campaign_id, {"gift_points": 5}, actor=staff)
    with pytest.raises(InvalidInput):
        await campaigns.change_status(campaign_id, "restart", actor=staff)
    assert await campaigns.change_status(campaign_id, "pause", actor=staff) == "paused"
    await campaigns.update_campaign(campaign_id, {"gift_points": 5}, actor=staff)
    assert await campaigns.change_status(campaign_id, "launch", actor=staff) == "scheduled"
    actions = await AuditLog.select(AuditLog.action).where(AuditLog.target_id == str(campaign_id)).order_by(AuditLog.id)
    assert [a["action"] for a in actions] == ["campaign.pause", "campaign.update", "campaign.launch"]

"""Gift campaigns end to end on a real database: fan-out, caps, repeats, schedules, results."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from loyalty import campaigns, rewards
from loyalty.campaigns import gift_vouchers, lanes, segments
from loyalty.campaigns import outcomes as campaign_results
from loyalty.errors import InvalidInput
from loyalty.schema import Campaign, CampaignGift, CampaignRun, DomainEvent, LedgerEntry, Member, Reward, Terminal
from tests.support.campaigns import NOW, campaign_values, launched_campaign, ledger_holds, member, purchase


async def _gifts(campaign_id: int, status: str = "given") -> int:
    return int(
        await CampaignGift.count().where((CampaignGift.campaign == campaign_id) & (CampaignGift.status == status))
    )


async def test_a_once_campaign_gives_points_to_everyone_once_with_a_message() -> None:
    people = [await member(name=f"Lan {i}") for i in range(5)]
    await member(name="gone", erased_at=NOW)
    campaign_id = await launched_campaign()
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 5
    for m in people:
        await ledger_holds(m)
        row = await Member.select(Member.points_balance).where(Member.id == m).first()
        assert row is not None and row["points_balance"] == 50
    event = await DomainEvent.select().first()
    assert event is not None and event["kind"] == "campaign_gifts" and event["member"] is None
    payload = json.loads(event["payload"]) if isinstance(event["payload"], str) else event["payload"]
    assert payload["campaign_id"] == campaign_id and payload["points"] == 50
    campaign = await Campaign.select(Campaign.status, Campaign.gifts_issued).where(Campaign.id == campaign_id).first()
    assert campaign == {"status": "finished", "gifts_issued": 5}


async def test_rerunning_an_occurrence_gives_nothing_twice() -> None:
    people = [await member() for _ in range(4)]
    campaign_id = await launched_campaign()
    await campaigns.run_campaign(campaign_id, now=NOW)
    # As if the worker crashed and the run was started over from scratch.
    await CampaignRun.delete().where(CampaignRun.campaign == campaign_id)
    await Campaign.update({Campaign.status: "running"}).where(Campaign.id == campaign_id)
    assert await campaigns.run_campaign(campaign_id, now=NOW + timedelta(hours=1)) == 0
    assert await LedgerEntry.count() == 4
    for m in people:
        await ledger_holds(m)


async def test_a_crash_between_batches_resumes_without_giving_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gift_vouchers, "CHOOSE_BATCH", 2)
    monkeypatch.setattr(lanes, "GIVE_BATCH", 2)
    people = [await member() for _ in range(7)]
    campaign_id = await launched_campaign()
    first = await campaigns.run_campaign(campaign_id, now=NOW, max_batches=3)  # stops part-way
    assert 0 <= first < 7
    await campaigns.run_campaign(campaign_id, now=NOW)
    assert await _gifts(campaign_id) == 7 and await LedgerEntry.count() == 7
    for m in people:
        await ledger_holds(m)


async def test_budget_cap_holds_when_two_workers_run_the_same_occurrence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gift_vouchers, "CHOOSE_BATCH", 3)
    monkeypatch.setattr(lanes, "GIVE_BATCH", 2)
    people = [await member() for _ in range(20)]
    campaign_id = await launched_campaign(max_gifts=100, max_points=350)  # 7 gifts of 50 points
    results = await asyncio.gather(*(campaigns.run_campaign(campaign_id, now=NOW) for _ in range(4)))
    assert sum(results) == 7
    assert await _gifts(campaign_id) == 7 and await _gifts(campaign_id, "over_budget") == 13
    campaign = await Campaign.select().where(Campaign.id == campaign_id).first()
    assert campaign is not None and (campaign["gifts_issued"], campaign["points_given"]) == (7, 350)
    assert campaign["status"] == "finished"
    for m in people:
        await ledger_holds(m)


async def test_birthday_on_29_february_is_celebrated_on_28_february_in_common_years() -> None:
    leapling = await member(name="leap", birthday=date(2000, 2, 29))
    await member(name="other", birthday=date(2000, 3, 1))
    campaign_id = await launched_campaign(schedule="birthday", run_at=None, days_before=0)
    morning = datetime(2027, 2, 28, 1, 0, tzinfo=UTC)  # 08:00 in Hồ Chí Minh City
    assert await campaigns.run_campaign(campaign_id, now=morning) == 1
    assert await campaigns.run_campaign(campaign_id, now=morning + timedelta(hours=5)) == 0
    gift = await CampaignGift.select(CampaignGift.member, CampaignGift.occurrence).first()
    assert gift == {"member": leapling, "occurrence": "2027"}
    # In a leap year, on the day itself, not the day before.
    assert await campaigns.run_campaign(campaign_id, now=datetime(2028, 2, 28, 1, tzinfo=UTC)) == 0
    assert await campaigns.run_campaign(campaign_id, now=datetime(2028, 2, 29, 1, tzinfo=UTC)) == 1


async def test_birthday_gift_follows_each_members_own_time_zone() -> None:
    saigon = await member(birthday=date(1990, 3, 15), timezone="Asia/Ho_Chi_Minh")
    la = await member(birthday=date(1990, 3, 15), timezone="America/Los_Angeles")
    campaign_id = await launched_campaign(schedule="birthday", run_at=None, days_before=3)
    # 14:00 UTC on 12 March: 21:00 on the 12th in Saigon (3 days before), 07:00 on the 12th in LA.
    assert await campaigns.run_campaign(campaign_id, now=datetime(2027, 3, 11, 18, tzinfo=UTC)) == 1
    given = await CampaignGift.select(CampaignGift.member).where(CampaignGift.status == "given")
    assert [g["member"] for g in given] == [saigon]
    assert await campaigns.run_campaign(campaign_id, now=datetime(2027, 3, 12, 9, tzinfo=UTC)) == 1
    given = await CampaignGift.select(CampaignGift.member).where(CampaignGift.status == "given")
    assert sorted(g["member"] for g in given) == sorted([saigon, la])


async def test_tet_campaign_falls_on_the_lunar_new_year_from_the_library() -> None:
    from loyalty.campaigns.schedule import holiday_dates, lunar_to_solar

    assert holiday_dates("Lunar New Year", 2027) == [date(2027, 2, 6)]
    assert holiday_dates("Lunar New Year", 2028) == [date(2028, 1, 26)]
    assert lunar_to_solar(2027, 8, 15) == date(2027, 9, 15)  # Trung Thu
    await member()
    campaign_id = await launched_campaign(schedule="holiday", holiday="Lunar New Year", run_at=None)
    assert await campaigns.run_campaign(campaign_id, now=datetime(2027, 2, 4, 3, tzinfo=UTC)) == 0
    assert await campaigns.run_campaign(campaign_id, now=datetime(2027, 2, 6, 3, tzinfo=UTC)) == 1
    assert await campaigns.run_campaign(campaign_id, now=datetime(2027, 2, 7, 3, tzinfo=UTC)) == 0
    assert await campaigns.run_campaign(campaign_id, now=datetime(2028, 1, 26, 3, tzinfo=UTC)) == 1
    occurrences = await CampaignGift.select(CampaignGift.occurrence).order_by(CampaignGift.id)
    assert [o["occurrence"] for o in occurrences] == ["2027-02-06", "2028-01-26"]


async def test_anniversary_and_lunar_schedules() -> None:
    joined = await member(joined_days_ago=0, now=datetime(2025, 9, 15, 5, tzinfo=UTC))
    await member(joined_days_ago=0, now=datetime(2025, 9, 16, 5, tzinfo=UTC))
    anniversary = await launched_campaign(name="Anniversary", schedule="anniversary", run_at=None)
    assert await campaigns.run_campaign(anniversary, now=datetime(2026, 9, 15, 3, tzinfo=UTC)) == 1
    gift = await CampaignGift.select(CampaignGift.member).first()
    assert gift == {"member": joined}
    moon = await launched_campaign(name="Trung Thu", schedule="lunar", lunar_month=8, lunar_day=15, run_at=None)
    assert await campaigns.run_campaign(moon, now=datetime(2027, 9, 15, 3, tzinfo=UTC)) == 2


async def test_segment_and_vip_audiences() -> None:
    from loyalty.campaigns import vip

    regular = await member(name="regular")
    for days in (1, 2, 3):
        await purchase(regular, days_ago=days, now=datetime.now(UTC))
    await member(name="idle")
    from loyalty.members import statistics

    await statistics.refresh_all()
    segment = await segments.segment_id_by_name("regular")
    by_segment = await launched_campaign(name="Regulars", audience="segment", segment=segment, run_at=datetime.now(UTC))
    assert await campaigns.audience_size(by_segment) == 1
    assert await campaigns.run_campaign(by_segment) == 1
    group = await vip.create_group("Friends")
    phone = (await Member.select(Member.phone).where(Member.name == "idle").first() or {})["phone"]
    await vip.add_phones(group, phone)
    by_group = await launched_campaign(name="Friends", audience="vip_group", vip_group=group, run_at=datetime.now(UTC))
    assert await campaigns.run_campaign(by_group) == 1


async def test_results_count_vouchers_redeemed_and_their_receipts(till: dict[str, Any]) -> None:
    people = [await member(name=f"M{i}") for i in range(3)]
    reward = Reward(name_vi="Cà phê", name_en="Coffee", points_cost=0, voucher_valid_days=30)
    await reward.save()
    now = datetime.now(UTC)
    campaign_id = await launched_campaign(
        gift_kind="voucher", reward=reward.id, gift_points=0, run_at=now, message_en="Enjoy a $reward, code $code"
    )
    assert await campaigns.run_campaign(campaign_id, now=now) == 3
    gifts = await CampaignGift.select(CampaignGift.voucher.code, CampaignGift.member).order_by(CampaignGift.id)
    terminal = await Terminal.objects().where(Terminal.id == till["terminal_id"]).first()
    assert terminal is not None
    for i, gift in enumerate(gifts[:2]):
        await purchase(gift["member"], days_ago=0, amount=120_000 * (i + 1), now=now)
        receipt = f"R-voucher-{i}"
        from loyalty.schema import Purchase

        await Purchase.update({Purchase.receipt_no: receipt}).where(
            (Purchase.member == gift["member"]) & (Purchase.amount == 120_000 * (i + 1))
        )
        await rewards.redeem_at_till(gift["voucher.code"], terminal, receipt_no=receipt)
    figures = await campaign_results.results(campaign_id)
    assert (figures.audience, figures.gifts_issued, figures.vouchers_redeemed) == (3, 3, 2)
    assert figures.redemption_rate == "66.6%" and figures.revenue == 360_000
    assert "revenue" in campaign_results.to_csv([figures]).splitlines()[0]
    assert len(people) == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"gift_points": 0}, "gift_points"),
        ({"audience": "segment"}, "segment"),
        ({"message_vi": "Chào {name.__class__}", "title_vi": "Hi ${name.__class__}"}, "title_vi"),
        ({"message_en": "Hello $password"}, "message_en"),
        ({"schedule": "holiday", "holiday": "Christmas"}, "holiday"),
        ({"schedule": "fortnightly"}, "schedule"),
    ],
)
async def test_bad_campaigns_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await campaigns.create_campaign(campaign_values(**changes))
    assert caught.value.data["field"] == field
    assert await Campaign.count() == 0


async def test_paused_and_cancelled_campaigns_give_nothing() -> None:
    await member()
    campaign_id = await launched_campaign()
    await campaigns.change_status(campaign_id, "pause")
    assert await campaigns.run_campaign(campaign_id, now=NOW) == 0
    await campaigns.change_status(campaign_id, "cancel")
    with pytest.raises(campaigns.CampaignStateConflict):
        await campaigns.change_status(campaign_id, "launch")
    assert await _gifts(campaign_id) == 0


async def test_staff_changing_a_draft_campaign_is_in_the_audit_log_with_what_changed() -> None:
    from loyalty.audit import StaffActor
    from loyalty.schema import AuditLog

    campaign_id = await campaigns.create_campaign(campaign_values(), actor=StaffActor(None, "lan"))
    await campaigns.update_campaign(campaign_id, {"gift_points": 80}, actor=StaffActor(None, "lan"))
    row = await AuditLog.select().where(AuditLog.action == "campaign.update").first()
    assert row is not None
    detail = json.loads(row["detail"]) if isinstance(row["detail"], str) else row["detail"]
    assert (row["staff_username"], row["target_id"], detail["changed"]) == ("lan", str(campaign_id), ["gift_points"])

"""Finding a member the way a clerk types, and the member's whole story as one keyed timeline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loyalty import complaints, db, members, points, rewards
from loyalty.earning import cards, earn_at_till
from loyalty.errors import InvalidInput, NotFound
from loyalty.members import TimelineCursor as Cursor
from loyalty.members import member_profile as profile
from loyalty.members import member_timeline as timeline
from loyalty.members.find import find_members
from loyalty.members.story import SOURCES, _timeline_sql
from loyalty.points import Kind
from loyalty.privacy import erase_member
from loyalty.schema import Member
from tests.support.complaints import seed_desk, staff
from tests.support.member_story import seed_lan
from tests.support.rewards import make_reward, make_tiers

LAN = "0907 654 321"


async def lan() -> int:
    return int((await members.record_member(LAN, name="Nguyễn Thị Lan")).id)


@pytest.mark.parametrize("typed", ["0907 654 321", "0907654321", "+84907654321", "84907654321", "+84 90 765 4321"])
async def test_a_phone_in_any_spelling_finds_the_member(typed: str) -> None:
    member_id = await lan()
    await members.record_member("0912345678", name="Trần Văn Bình")
    found = await find_members(typed)
    assert [m.id for m in found] == [member_id]
    assert found[0].phone == "+84907654321" and found[0].name == "Nguyễn Thị Lan"


async def test_the_start_of_a_phone_finds_the_members_whose_number_starts_so() -> None:
    a = await lan()
    b = int((await members.record_member("0907 659 999")).id)
    await members.record_member("0912345678")
    assert {m.id for m in await find_members("0907 65")} == {a, b}


async def test_a_public_id_or_a_live_card_code_finds_the_member() -> None:
    member_id = await lan()
    public_id = (await Member.select(Member.public_id).where(Member.id == member_id).first() or {})["public_id"]
    assert [m.id for m in await find_members(public_id.lower())] == [member_id]
    code = (await cards.current_code(member_id)).code
    assert [m.id for m in await find_members(code)] == [member_id]
    assert [m.id for m in await find_members(code.lower())] == [member_id]


async def test_a_name_part_matches_whatever_the_case() -> None:
    member_id = await lan()
    dang = int((await members.record_member("0912345678", name="Đặng Minh")).id)
    assert [m.id for m in await find_members("lan")] == [member_id]
    assert [m.id for m in await find_members("THỊ LAN")] == [member_id]
    assert [m.id for m in await find_members("đặng")] == [dang]


async def test_nothing_an_attacker_types_reads_more_than_it_names() -> None:
    await lan()
    for typed in ["", "   ", "%", "_", "' OR 1=1 --", "<script>alert(1)</script>", "x" * 500, "\\"]:
        assert await find_members(typed) == [], typed


async def test_an_erased_member_is_found_only_by_its_public_id() -> None:
    member_id = await lan()
    public_id = (await Member.select(Member.public_id).where(Member.id == member_id).first() or {})["public_id"]
    await erase_member(member_id)
    assert await find_members(LAN) == [] and await find_members("Lan") == []
    found = await find_members(public_id)
    assert [m.id for m in found] == [member_id] and found[0].erased


async def test_the_timeline_merges_every_source_newest_first_in_keyed_pages() -> None:
    await seed_desk()
    await make_tiers()
    member_id = await lan()
    store = await members.create_store("Q1", "Quận 1")
    await earn_at_till(store_id=int(store.id), terminal_id=None, phone=LAN, receipt_no="HD-1", amount=250_000)
    agent = await staff("an")
    await points.adjust(member_id, 40, reason="Khách phàn nàn", actor=agent)
    reward = await make_reward(points_cost=10)
    await rewards.issue_voucher(member_id, int(reward.id), source="compensation", reference="t-1")
    await complaints.log_by_staff(agent, category="other", description="Ly bị nứt", channel="phone", phone=LAN)
    whole = await timeline(member_id, size=100)
    sources = [i.source for i in whole.items]
    assert {"purchase", "ledger", "voucher", "complaint"} <= set(sources)
    assert whole.next_page is None
    times = [i.at for i in whole.items]
    assert times == sorted(times, reverse=True)
    purchase = next(i for i in whole.items if i.source == "purchase")
    assert (purchase.label, purchase.note, purchase.n1) == ("Quận 1", "HD-1", 250_000)
    adjust = next(i for i in whole.items if i.source == "ledger" and i.label == "adjust")
    assert (adjust.n1, adjust.note) == (40, "Khách phàn nàn")
    # Page by page, two at a time: the same items, each once, in the same order.
    seen, before = [], None
    while True:
        page = await timeline(member_id, before=before, size=2)
        seen += [(i.source, i.item_id) for i in page.items]
        if page.next_page is None:
            break
        before = Cursor.read(page.next_page.token())
    assert seen == [(i.source, i.item_id) for i in whole.items]


async def test_items_at_the_same_moment_are_paged_each_once() -> None:
    member_id = await lan()
    now = datetime.now(UTC).replace(microsecond=0)
    for n in range(5):
        await points.credit(member_id, 10, kind=Kind.GIFT, reference=f"same-{n}", now=now)
    seen, before = [], None
    while True:
        page = await timeline(member_id, before=before, size=2)
        seen += [i.item_id for i in page.items]
        if page.next_page is None:
            break
        before = page.next_page
    assert len(seen) == 5 and len(set(seen)) == 5 and seen == sorted(seen, reverse=True)


@pytest.mark.parametrize("token", ["", "abc", "!!", "x" * 300, Cursor(datetime.now(UTC), "nope", 1).token()])
def test_a_bad_page_link_is_invalid_input(token: str) -> None:
    with pytest.raises(InvalidInput):
        Cursor.read(token)


async def test_the_profile_names_tier_consents_and_groups_and_unknown_ids_are_not_found() -> None:
    member_id = await lan()
    found = await profile(member_id)
    assert (found.name, found.phone, found.points_balance, found.erased_at) == (
        "Nguyễn Thị Lan",
        "+84907654321",
        0,
        None,
    )
    for missing in (424242, 0, -1, 2**31, 2**63):
        with pytest.raises(NotFound):
            await profile(missing)
    assert (await timeline(424242)).items == []


async def test_messages_with_their_deliveries_consents_and_tier_changes_are_on_the_timeline() -> None:
    member_id = await seed_lan()
    page = await timeline(member_id, size=100)
    by_source = {i.source: i for i in page.items}
    assert set(by_source) == {"purchase", "ledger", "tier", "message", "consent", "complaint"}
    message = by_source["message"]
    assert message.label == "Bạn vừa được cộng điểm"
    assert [(d.channel, d.status, d.cost_vnd) for d in message.deliveries] == [
        ("zalo", "delivered", 300),
        ("sms", "failed", 0),
    ]
    consents = {(i.label, i.extra) for i in page.items if i.source == "consent"}
    assert consents == {("zalo", "granted"), ("email", "withdrawn")}
    assert next(i for i in page.items if i.source == "tier").label == "Bạc"  # the newest move
    found = await profile(member_id)
    assert {(c.channel, c.granted, c.text_version) for c in found.consents} == {
        ("zalo", True, "2026-11"),
        ("email", False, "2026-11"),
    }
    assert found.tier_name == "Bạc"


@pytest.mark.sqlite_only
async def test_each_source_reads_the_members_newest_rows_from_its_timeline_index() -> None:
    plan = " ".join(str(dict(r)) for r in await db.fetch("EXPLAIN QUERY PLAN " + _timeline_sql(SOURCES, None), 1, 31))
    for index in ("ledger_entry", "purchase", "voucher", "tier_change", "complaint", "inbox_message"):
        assert f"{index}_member_time" in plan, plan

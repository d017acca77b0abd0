"""Built-in segments on a crafted population, filter validation, preview and explanations."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from loyalty.campaigns import InvalidFilter, segments, vip
from loyalty.campaigns.segment_filters import compile_filter
from loyalty.members import statistics
from loyalty.schema import Member
from tests.support.campaigns import NOW, member, purchase


async def _population() -> dict[str, int]:
    people = {
        "newbie": await member(name="newbie", joined_days_ago=10),
        "potential": await member(name="potential", joined_days_ago=200),
        "regular": await member(name="regular"),
        "occasional": await member(name="occasional"),
        "online": await member(name="online"),
        "lapsed": await member(name="lapsed"),
        "big": await member(name="big"),
        "birthday": await member(name="birthday", birthday=date(1990, 3, 2)),
    }
    for days in (5, 20, 40):
        await purchase(people["regular"], days_ago=days)
    await purchase(people["occasional"], days_ago=150)
    await purchase(people["online"], days_ago=30, channel="claim")
    for days in (100, 150, 200):
        await purchase(people["lapsed"], days_ago=days)
    await purchase(people["big"], days_ago=60, amount=25_000_000)
    await statistics.refresh_all(now=NOW)
    return people


async def _names(name: str) -> set[str]:
    segment_id = await segments.segment_id_by_name(name)
    shown = await segments.preview(await segments.definition_of(segment_id), sample=100, now=NOW)
    assert shown.count == len(shown.sample)
    return {row.name for row in shown.sample}


async def test_each_builtin_segment_selects_its_members() -> None:
    await _population()
    assert await _names("new") == {"newbie"}
    assert await _names("potential") == {"newbie", "potential", "birthday"}
    assert await _names("regular") == {"regular"}
    assert await _names("occasional") == {"occasional", "online", "big", "lapsed"}
    assert await _names("online") == {"online"}
    assert await _names("at risk") == {"lapsed"}
    assert await _names("birthday this month") == {"birthday"}
    assert "big" in await _names("vip")


async def test_vip_segment_includes_vip_group_members() -> None:
    people = await _population()
    phone = (await Member.select(Member.phone).where(Member.id == people["potential"]).first() or {})["phone"]
    group = await vip.create_group("Friends of the owner")
    added = await vip.add_phones(group, f"{phone}\n0912 345 678\nnot a phone")
    assert added.added == 1 and added.unmatched == ["0912 345 678"] and added.not_phones == ["not a phone"]
    assert await _names("vip") == {"big", "potential"}


async def test_stats_are_counted_net_of_refunds_with_rfm_scores() -> None:
    people = await _population()
    from loyalty.schema import MemberStats

    row = await MemberStats.select().where(MemberStats.member == people["regular"]).first()
    assert row is not None
    assert (row["visits_90d"], row["spend_90d"], row["visits_12m"], row["avg_basket"]) == (3, 300_000, 3, 100_000)
    assert (row["channel"], row["days_since_last_visit"]) == ("till", 5)
    assert (row["recency_score"], row["frequency_score"], row["monetary_score"]) == (5, 2, 1)
    never = await MemberStats.select().where(MemberStats.member == people["potential"]).first()
    assert never is not None and never["recency_score"] is None and never["channel"] == "none"


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"field": "salary", "op": "gt", "value": 1}, "unknown field 'salary'"),
        ({"field": "city", "op": "gt", "value": "A"}, "operator 'gt' is not allowed for city"),
        ({"field": "visits_90d", "op": "gte", "value": "3; DROP TABLE member"}, "whole number"),
        ({"field": "gender", "op": "eq", "value": "robot"}, "one of female, male, other"),
        ({"or": []}, "at least one condition"),
        ({"and": [{"field": "age", "op": "between", "value": [40, 30]}]}, "low ≤ high"),
        ("SELECT * FROM member", "expected an object"),
    ],
)
def test_bad_filters_are_refused_with_a_clear_message(definition: Any, message: str) -> None:
    with pytest.raises(InvalidFilter) as caught:
        compile_filter(definition)
    assert message in caught.value.detail


async def test_explain_says_which_condition_keeps_a_member_out() -> None:
    people = await _population()
    definition = segments.BUILTINS["at risk"][1]
    inside = await segments.explain(definition, people["lapsed"], now=NOW)
    assert inside.included and all(c.result for c in inside.checks)
    outside = await segments.explain(definition, people["regular"], now=NOW)
    assert not outside.included
    assert [c.result for c in outside.checks] == [True, False]


async def test_profile_fields_age_city_and_tier() -> None:
    young = await member(name="young", birthday=date(2005, 3, 16), city="Đà Nẵng")
    await member(name="old", birthday=date(1960, 1, 1), city="Hà Nội")
    shown = await segments.preview(
        {"and": [{"field": "age", "op": "lt", "value": 22}, {"field": "city", "op": "contains", "value": "nẵng"}]},
        now=NOW,
    )
    assert [r.id for r in shown.sample] == [young]
    saved = await segments.save_segment("Young", {"field": "age", "op": "between", "value": [18, 25]})
    assert (await segments.preview(await segments.definition_of(saved), now=NOW)).count == 1

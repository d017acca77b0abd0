"""Earning rules as pure functions: base rate, tier, bonus rules, validity windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from loyalty.earning.rules import Line, Rule, compute, in_force

NOW = datetime(2026, 11, 22, 10, tzinfo=UTC)
STORE = 7


def points(amount: int, items: list[Line] | None = None, **kwargs: object) -> int:
    return compute(amount, items or [], store_id=STORE, now=NOW, rules=kwargs.pop("rules", []), **kwargs).points  # type: ignore[arg-type]


def test_base_rate_is_one_point_per_ten_thousand_dong_rounded_down() -> None:
    assert points(9_999) == 0
    assert points(10_000) == 1
    assert points(259_999) == 25
    assert points(1_000_000_000) == 100_000


def test_tier_multiplier_applies_to_the_whole_receipt() -> None:
    assert points(1_000_000, tier_pct=125) == 125
    assert points(1_000_000, tier_pct=50) == 100  # a tier never lowers the base rate


def test_category_rule_multiplies_only_its_items() -> None:
    rule = Rule(1, "Sữa x2", "category", multiplier_pct=200, category="milk")
    earned = compute(
        1_000_000,
        [Line(400_000, "Milk"), Line(100_000, "bread")],
        store_id=STORE,
        now=NOW,
        rules=[rule],
    )
    assert earned.points == 140  # 40 × 2 + 10 + 50 (rest of the receipt)
    assert [a.kind for a in earned.rules_applied] == ["base", "category"]


def test_highest_bonus_wins_and_tier_extra_is_added_not_compounded() -> None:
    rules = [
        Rule(1, "Store Q1 x1.5", "store", multiplier_pct=150, store_id=STORE),
        Rule(2, "Double day", "period", multiplier_pct=200),
    ]
    earned = compute(1_000_000, [], store_id=STORE, now=NOW, rules=rules, tier_pct=125, tier_name="gold")
    assert earned.points == 225  # 125 % + (200 % − 100 %)
    assert [(a.kind, a.rule_id) for a in earned.rules_applied] == [("base", None), ("tier", None), ("period", 2)]


def test_rules_outside_their_window_or_store_or_inactive_do_not_count() -> None:
    rules = [
        Rule(1, "future", "period", multiplier_pct=300, valid_from=NOW + timedelta(seconds=1)),
        Rule(2, "past", "period", multiplier_pct=300, valid_until=NOW),
        Rule(3, "other store", "store", multiplier_pct=300, store_id=STORE + 1),
        Rule(4, "off", "period", multiplier_pct=300, active=False),
        Rule(5, "store without store", "store", multiplier_pct=300),
    ]
    assert points(1_000_000, rules=rules) == 100
    assert in_force(Rule(6, "open", "period", multiplier_pct=300, valid_from=NOW), store_id=STORE, now=NOW)


def test_first_purchase_bonus_only_on_the_first_purchase_and_only_the_best_one() -> None:
    rules = [
        Rule(1, "Welcome", "first_purchase", bonus_points=50),
        Rule(2, "Welcome+", "first_purchase", bonus_points=80),
    ]
    assert points(100_000, rules=rules, first_purchase=False) == 10
    earned = compute(100_000, [], store_id=STORE, now=NOW, rules=rules, first_purchase=True)
    assert earned.points == 90
    assert earned.rules_applied[-1].rule_id == 2 and earned.rules_applied[-1].bonus_points == 80


def test_splitting_a_receipt_into_items_never_loses_points() -> None:
    items = [Line(9_999, "a") for _ in range(10)]
    assert points(99_990, items) == points(99_990) == 9


def test_other_base_rate() -> None:
    assert points(100_000, dong_per_point=1_000) == 100

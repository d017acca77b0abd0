"""Earning rules as pure functions: how many points a purchase earns, and which rules said so.

Rules (integers only, no floats):

* Base rate: ``amount // dong_per_point`` (1 point per 10,000 đ, rounded down).
* The receipt is split into lines: each item's amount, plus the rest of the receipt
  (``amount - Σ items``) as a line with no category.
* Each line earns at an effective percentage: the member's tier % (100 without a tier)
  plus the extra of the single highest applicable bonus multiplier (category rule matching
  the line's category, store rule for this store, period rule). Bonuses do not compound with
  each other: the best one wins (ties: the lowest rule id); the tier's extra is added, not
  multiplied. So a Gold member (125 %) on a double-points day (200 %) earns at 225 %.
* Points = ``Σ(line_amount × effective_pct) // (dong_per_point × 100)``: rounding happens once,
  on the whole receipt, so splitting a receipt into items never loses points.
* ``first_purchase`` rules add their fixed ``bonus_points`` on the member's first purchase;
  only the highest such bonus applies.
* A rule counts only while ``active`` and ``valid_from <= now < valid_until`` (open-ended if
  ``valid_until`` is empty); a rule with a ``store`` counts only in that store.

``rules_applied`` lists the base rate, the tier (when above 100 %) and every bonus rule that
changed at least one line, in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from loyalty.schema import RuleKind as RuleKind

KINDS = tuple(RuleKind)
MULTIPLIER_KINDS = (RuleKind.CATEGORY, RuleKind.STORE, RuleKind.PERIOD)


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    name: str
    kind: str
    multiplier_pct: int = 100
    bonus_points: int = 0
    category: str | None = None
    store_id: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Line:
    amount: int
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Applied:
    kind: str  # base | tier | category | store | period | first_purchase
    name: str
    rule_id: int | None = None
    multiplier_pct: int = 100
    bonus_points: int = 0


@dataclass(frozen=True, slots=True)
class Earned:
    points: int
    base_points: int
    rules_applied: list[Applied] = field(default_factory=list)


def in_force(rule: Rule, *, store_id: int, now: datetime) -> bool:
    if not rule.active or rule.kind not in KINDS:
        return False
    if rule.valid_from is not None and now < rule.valid_from:
        return False
    if rule.valid_until is not None and now >= rule.valid_until:
        return False
    if rule.kind == RuleKind.STORE and rule.store_id is None:
        return False
    return rule.store_id is None or rule.store_id == store_id


def lines_of(amount: int, items: Sequence[Line]) -> list[Line]:
    """The receipt as lines; the part no item accounts for is a line without a category."""
    rest = amount - sum(item.amount for item in items)
    lines = [item for item in items if item.amount > 0]
    if rest > 0:
        lines.append(Line(rest))
    return lines


def best_bonus(line: Line, rules: Sequence[Rule]) -> Rule | None:
    """The highest applicable multiplier rule for a line (rules already in force)."""
    best: Rule | None = None
    for rule in sorted(rules, key=lambda r: r.id):
        if rule.kind not in MULTIPLIER_KINDS or rule.multiplier_pct <= 100:
            continue
        if rule.kind == RuleKind.CATEGORY and not _same_category(rule.category, line.category):
            continue
        if best is None or rule.multiplier_pct > best.multiplier_pct:
            best = rule
    return best


def compute(
    amount: int,
    items: Sequence[Line],
    *,
    store_id: int,
    now: datetime,
    rules: Sequence[Rule],
    tier_pct: int = 100,
    tier_name: str = "",
    first_purchase: bool = False,
    dong_per_point: int = 10_000,
) -> Earned:
    """Points for a purchase of ``amount`` đồng (pure; see the module docstring)."""
    if amount <= 0 or dong_per_point <= 0:
        return Earned(0, 0, [])
    tier_pct = max(tier_pct, 100)
    live = [r for r in rules if in_force(r, store_id=store_id, now=now)]
    weighted = 0
    used: dict[int, Rule] = {}
    for line in lines_of(amount, items):
        bonus = best_bonus(line, live)
        extra = bonus.multiplier_pct - 100 if bonus else 0
        if bonus is not None:
            used[bonus.id] = bonus
        weighted += line.amount * (tier_pct + extra)
    points = weighted // (dong_per_point * 100)
    base = amount // dong_per_point
    applied = [Applied("base", f"1 point per {dong_per_point} đ", None, 100, 0)]
    if tier_pct > 100:
        applied.append(Applied("tier", tier_name or "tier", None, tier_pct, 0))
    applied.extend(Applied(r.kind, r.name, r.id, r.multiplier_pct, 0) for r in sorted(used.values(), key=_order))
    if first_purchase:
        welcome = [r for r in live if r.kind == RuleKind.FIRST_PURCHASE and r.bonus_points > 0]
        if welcome:
            top = max(welcome, key=lambda r: (r.bonus_points, -r.id))
            points += top.bonus_points
            applied.append(Applied(RuleKind.FIRST_PURCHASE.value, top.name, top.id, 100, top.bonus_points))
    return Earned(points, base, applied)


def _same_category(rule_category: str | None, line_category: str | None) -> bool:
    if not rule_category or not line_category:
        return False
    return rule_category.strip().casefold() == line_category.strip().casefold()


def _order(rule: Rule) -> tuple[int, int]:
    return (MULTIPLIER_KINDS.index(rule.kind), rule.id)

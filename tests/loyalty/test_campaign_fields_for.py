"""Which fields a campaign's schedule (and audience and gift) asks for: the guided form's map (pure)."""

from __future__ import annotations

import pytest

from loyalty.campaigns.fields import EDITABLE, AudienceKind, GiftKind, ScheduleKind, fields_for
from loyalty.errors import InvalidInput

SCHEDULED = {"run_at", "days_before", "holiday", "lunar_month", "lunar_day", "starts_on", "ends_on"}


@pytest.mark.parametrize(
    ("schedule", "own"),
    [
        ("once", {"run_at"}),
        ("birthday", {"days_before", "starts_on", "ends_on"}),
        ("anniversary", {"starts_on", "ends_on"}),
        ("holiday", {"holiday", "starts_on", "ends_on"}),
        ("lunar", {"lunar_month", "lunar_day", "starts_on", "ends_on"}),
    ],
)
def test_each_schedule_shows_only_its_own_fields(schedule: str, own: set[str]) -> None:
    shown = set(fields_for(schedule))
    assert shown & SCHEDULED == own
    assert {"name", "schedule", "title_vi", "message_en", "channels", "message_budget_vnd"} <= shown


def test_every_schedule_is_mapped_and_the_fields_keep_the_tables_order() -> None:
    for schedule in ScheduleKind:
        shown = fields_for(schedule)
        assert list(shown) == [name for name in EDITABLE if name in shown]


def test_the_audience_and_gift_choose_their_own_fields_too() -> None:
    everyone = set(fields_for("once"))
    assert not everyone & {"segment", "vip_group", "tier", "reward", "voucher_valid_days"}
    assert "gift_points" in everyone
    assert "segment" in fields_for("once", AudienceKind.SEGMENT)
    assert "vip_group" in fields_for("once", "vip_group") and "tier" in fields_for("once", "tier")
    voucher = set(fields_for("birthday", "everyone", GiftKind.VOUCHER))
    assert {"reward", "voucher_valid_days"} <= voucher and "gift_points" not in voucher


def test_an_unknown_choice_is_refused() -> None:
    with pytest.raises(InvalidInput):
        fields_for("weekly")
    with pytest.raises(InvalidInput):
        fields_for("once", "friends")

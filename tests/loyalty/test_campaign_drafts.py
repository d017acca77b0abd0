"""A campaign being typed: its audience, message cost and words before it is saved, nothing written."""

from __future__ import annotations

import pytest

from loyalty import campaigns
from loyalty.errors import InvalidInput
from loyalty.schema import Campaign
from notifications.tables import Consent
from tests.support.campaigns import campaign_values, member


async def test_a_draft_shows_the_audience_and_cost_the_saved_campaign_would_have() -> None:
    lan = await member(name="Lan", city="Huế")
    await Consent(member=lan, channel="zalo", purpose="marketing", granted=True, text_version="v1").save()
    await member(name="Minh", city="Hà Nội")
    segment = await campaigns.save_segment("Huế", {"field": "city", "op": "eq", "value": "Huế"})
    values = campaign_values(audience="segment", segment=segment, channels="push,zalo")
    draft = await campaigns.preview_draft(values)
    assert draft.audience == 1 and draft.first_member_name == "Lan"
    assert draft.cost.members == {"zalo": 1} and draft.cost.total_vnd == 300
    saved = await campaigns.create_campaign(values)
    assert (await campaigns.campaign_estimate(saved)).total_vnd == draft.cost.total_vnd
    texts = await campaigns.draft_texts(values, "Lan")
    assert texts["title_vi"] == "Quà cho Lan" and texts["body_en"] == "Here are 50 points"


async def test_a_draft_that_does_not_pass_is_refused_naming_the_field_and_nothing_is_written() -> None:
    with pytest.raises(InvalidInput) as refused:
        await campaigns.preview_draft(campaign_values(run_at=None))
    assert refused.value.data["field"] == "run_at"
    assert await Campaign.count() == 0

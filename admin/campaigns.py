"""Staff screens for segments, VIP groups and gift campaigns.

Grids show the rows; every change goes through a form that calls the domain function (so filters,
templates and statuses are validated there, and a bad field or operator comes back as the form's
error message). The campaign results pages live at ``/staff/campaigns`` (admin.campaign_report).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from piccolo_admin.endpoints import FormConfig, TableConfig
from pydantic import Field
from starlette.requests import Request

from admin.forms import ZONE_LABEL, StaffForm, shows_domain_errors, staff_actor
from loyalty import campaigns
from loyalty.config import PROGRAMME
from loyalty.errors import InvalidInput
from loyalty.schema import Campaign, CampaignGift, MemberStats, Segment, VipGroup, VipMember

GROUP = "Campaigns"


class SegmentForm(StaffForm):
    name: str = Field(min_length=1, max_length=100)
    definition: str = Field(
        min_length=2,
        max_length=20_000,
        description='JSON filter, e.g. {"and": [{"field": "visits_90d", "op": "gte", "value": 3}, '
        '{"field": "city", "op": "eq", "value": "Hà Nội"}]}',
    )
    description: str = Field(default="", max_length=1000)
    segment_id: int | None = Field(default=None, description="Leave empty to create; an id to change that segment")


class PreviewForm(StaffForm):
    segment_id: int | None = Field(default=None, description="A saved segment, or …")
    definition: str = Field(default="", max_length=20_000, description="… a JSON filter to try")
    member_id: int | None = Field(default=None, description="Explain why this member is in or out")
    campaign_id: int | None = Field(default=None, description="… or a campaign: its audience and message cost")


class VipGroupForm(StaffForm):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    benefits_vi: str = Field(default="", max_length=2000)
    benefits_en: str = Field(default="", max_length=2000)


class VipPhonesForm(StaffForm):
    group_id: int = Field(gt=0)
    # Piccolo Admin 1.14 draws every form field as a one-line input (its form renderer passes no
    # widget), so a pasted list arrives with spaces for its line breaks: the reader accepts that,
    # and /staff/vip/upload offers a real multi-line box for long lists.
    phones: str = Field(
        min_length=1,
        max_length=400_000,
        title="Phone numbers / Số điện thoại",
        description="Separated by new lines, commas, semicolons or spaces; 0907 654 321, +84 90…, 84-90… all work",
    )


class CampaignForm(StaffForm):
    name: str = Field(min_length=1, max_length=200)
    campaign_id: int | None = Field(default=None, description="Leave empty to create; an id to change a draft")
    audience: Literal["everyone", "segment", "vip_group", "tier"] = "everyone"
    segment: int | None = None
    vip_group: int | None = None
    tier: int | None = None
    gift_kind: Literal["points", "voucher"] = "points"
    gift_points: int = 0
    reward: int | None = None
    voucher_valid_days: int | None = None
    title_vi: str = Field(default="Quà tặng cho $name", max_length=200)
    title_en: str = Field(default="A gift for $name", max_length=200)
    message_vi: str = Field(default="Chúc mừng $name! Bạn nhận được $points điểm.", max_length=2000)
    message_en: str = Field(default="Congratulations $name! You received $points points.", max_length=2000)
    schedule: Literal["once", "birthday", "anniversary", "holiday", "lunar"] = "once"
    # Piccolo Admin shows a field's title as its label (not its description): the zone goes there.
    run_at: datetime | None = Field(
        default=None,
        title=f"Run at · Chạy lúc — {ZONE_LABEL}",
        description=f"For a one-off campaign: a time in {PROGRAMME.timezone} unless it carries its own offset",
    )
    days_before: int = Field(default=0, description="Birthday: give this many days before")
    holiday: str = Field(default="", description="Holiday name, e.g. Lunar New Year (Tết), International Labor Day")
    lunar_month: int | None = Field(default=None, description="Lunar date, e.g. 8 and 15 for Trung Thu")
    lunar_day: int | None = None
    starts_on: date | None = Field(default=None, title=f"Starts on · Từ ngày — {ZONE_LABEL}")
    ends_on: date | None = Field(default=None, title=f"Ends on · Đến ngày — {ZONE_LABEL}")
    max_gifts: int | None = None
    max_points: int | None = None
    channels: str = Field(default="push", max_length=40, description="push, zalo, sms, email (comma-separated)")
    message_budget_vnd: int | None = Field(default=None, description="Budget for its messages in đồng; empty: none")


class CampaignActionForm(StaffForm):
    campaign_id: int = Field(gt=0)
    action: Literal["launch", "pause", "cancel"]


def _definition(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the filter is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc


@shows_domain_errors
async def save_segment(request: Request, data: SegmentForm) -> str:
    definition = _definition(data.definition)
    segment_id = await campaigns.save_segment(
        data.name, definition, description=data.description, segment_id=data.segment_id, actor=staff_actor(request)
    )
    shown = await campaigns.preview(definition, sample=0)
    return f"Segment {segment_id} saved: {shown.count} members match it now."


@shows_domain_errors
async def preview_audience(request: Request, data: PreviewForm) -> str:
    await campaigns.install_builtins()
    if data.campaign_id:
        size = await campaigns.audience_size(data.campaign_id)
        cost = await campaigns.campaign_estimate(data.campaign_id)
        return f"Campaign {data.campaign_id}: {size} members. {cost.line()}"
    if data.segment_id:
        definition = await campaigns.definition_of(data.segment_id)
    elif data.definition.strip():
        definition = _definition(data.definition)
    else:
        raise InvalidInput("choose a segment, write a filter or name a campaign")
    shown = await campaigns.preview(definition, sample=10)
    sample = "; ".join(f"#{r.id} {r.name or r.phone or ''}".strip() for r in shown.sample)
    answer = f"{shown.count} members. First: {sample or 'none'}."
    if data.member_id:
        why = await campaigns.explain(definition, data.member_id)
        checks = ", ".join(f"{c.condition}: {'yes' if c.result else 'no'}" for c in why.checks)
        answer += f" Member {data.member_id} is {'IN' if why.included else 'OUT'} ({checks or 'no conditions'})."
    return answer


@shows_domain_errors
async def create_vip_group(request: Request, data: VipGroupForm) -> str:
    group_id = await campaigns.create_group(
        data.name,
        description=data.description,
        benefits_vi=data.benefits_vi,
        benefits_en=data.benefits_en,
        actor=staff_actor(request),
    )
    return f"VIP group {group_id} created. Add members with “Add phone numbers to a VIP group”."


@shows_domain_errors
async def add_vip_phones(request: Request, data: VipPhonesForm) -> str:
    added = await campaigns.add_phones(data.group_id, data.phones, actor=staff_actor(request))
    return vip_summary(added)


def _listed(items: list[str], limit: int = 200) -> str:
    return ", ".join(items[:limit]) + (f" … (+{len(items) - limit})" if len(items) > limit else "")


def vip_summary(added: campaigns.Added) -> str:
    """One line staff can read at a glance: each count, then the numbers behind the last two."""
    parts = [f"{added.added} added", f"{added.already} already in the group"]
    unmatched = f": {_listed(added.unmatched)}" if added.unmatched else ""
    parts.append(f"{len(added.unmatched)} matched no member{unmatched}")
    if added.not_phones:
        parts.append(f"{len(added.not_phones)} not a phone number: {_listed(added.not_phones)}")
    return " · ".join(parts) + "."


@shows_domain_errors
async def save_campaign(request: Request, data: CampaignForm) -> str:
    values = data.model_dump(exclude={"campaign_id"})
    if data.campaign_id:
        await campaigns.update_campaign(data.campaign_id, values, actor=staff_actor(request))
        return f"Campaign {data.campaign_id} changed."
    campaign_id = await campaigns.create_campaign(values, actor=staff_actor(request))
    size = await campaigns.audience_size(campaign_id)
    cost = await campaigns.campaign_estimate(campaign_id)
    return (
        f"Campaign {campaign_id} saved as a draft; its audience is {size} members now. {cost.line()} "
        "Launch it when ready."
    )


@shows_domain_errors
async def campaign_action(request: Request, data: CampaignActionForm) -> str:
    status = await campaigns.change_status(data.campaign_id, data.action, actor=staff_actor(request))
    return f"Campaign {data.campaign_id} is now {status}. Results: /staff/campaigns/{data.campaign_id}"


TABLES = [
    TableConfig(Segment, exclude_visible_columns=[Segment.id], menu_group=GROUP, link_column=Segment.name),
    TableConfig(VipGroup, exclude_visible_columns=[VipGroup.id], menu_group=GROUP, link_column=VipGroup.name),
    TableConfig(VipMember, menu_group=GROUP, visible_filters=[VipMember.group, VipMember.member]),
    TableConfig(Campaign, exclude_visible_columns=[Campaign.id], menu_group=GROUP, link_column=Campaign.name),
    TableConfig(
        CampaignGift,
        menu_group=GROUP,
        visible_filters=[CampaignGift.campaign, CampaignGift.status, CampaignGift.member, CampaignGift.occurrence],
    ),
    TableConfig(MemberStats, menu_group="Members"),
]

FORMS = [
    FormConfig(
        name="Save a segment",
        pydantic_model=SegmentForm,
        endpoint=save_segment,
        description="A named filter over profile, statistics, tier and VIP groups (validated JSON).",
        form_group=GROUP,
    ),
    FormConfig(
        name="Preview audience",
        pydantic_model=PreviewForm,
        endpoint=preview_audience,
        description="How many members a segment selects, a few of them, and why a member is in or out.",
        form_group=GROUP,
    ),
    FormConfig(name="Create a VIP group", pydantic_model=VipGroupForm, endpoint=create_vip_group, form_group=GROUP),
    FormConfig(
        name="Add phone numbers to a VIP group",
        pydantic_model=VipPhonesForm,
        endpoint=add_vip_phones,
        description="Paste a list (one number a line, or separated by commas, semicolons or spaces); says how many "
        "were added or already in the group, and which numbers matched no member. Long list or a CSV file: "
        "/staff/vip/upload.",
        form_group=GROUP,
    ),
    FormConfig(
        name="Create or change a campaign",
        pydantic_model=CampaignForm,
        endpoint=save_campaign,
        description="Templates may use $name, $points, $reward, $campaign, $code.",
        form_group=GROUP,
    ),
    FormConfig(
        name="Launch pause or cancel a campaign",
        pydantic_model=CampaignActionForm,
        endpoint=campaign_action,
        form_group=GROUP,
    ),
]

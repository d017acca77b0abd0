"""Segments, VIP groups and gift campaigns: who gets what, when, within which budget.

Rules and invariants:

* An audience is everyone, a segment (validated JSON compiled to parameterised SQL), a VIP group
  or a tier; erased members never.
* A campaign moves ``draft → scheduled → running → finished`` (``paused``, ``cancelled``), each
  move a guarded UPDATE on the status it leaves; only a draft, scheduled or paused one is changed,
  and always checked whole.
* One gift per member per occurrence (UNIQUE in the database); the caps (``max_gifts``,
  ``max_points``) hold across workers because the budget counters move by conditional UPDATEs;
  so does the message budget (``message_budget_vnd``), and a launch whose estimated message cost
  is over it is refused.
* The fan-out is set-wise SQL in batches, resumable after a crash and safe with many workers;
  points gifts go through ``loyalty.points.bulk_credit``, vouchers through
  ``loyalty.rewards.issue_voucher``.
* Schedules: once, birthday, anniversary, a Vietnamese holiday or a lunar date, in the
  programme's time zone.
* Staff changes (campaigns, segments, VIP groups) write their audit row in the domain function's
  own transaction; callers open none.

Modules:

* ``progress``: How far the runs in progress are (for the metrics).
* ``fields``: What staff write for a campaign, checked: audience, gift, words, schedule, dates and caps.
* ``lifecycle``: A campaign's life: created as a draft, changed, launched, paused, cancelled, running, finished.
* ``audience``: Who a campaign is for: its audience as SQL, and which occurrences of it fall due now.
* ``runs``: The job that gives: each live campaign's due occurrences, run in bounded batches.
* ``gifts``: What a campaign gives (read once per run) and the budget its gifts are counted against.
* ``lanes``: The lanes of a points run: cut once, taken one worker at a time, ended together.
* ``gift_points``: Points gifts of a campaign run, given batch by batch on lanes, several workers at once.
* ``gift_vouchers``: Voucher gifts of a campaign run: the audience chosen as pending rows, then vouchers issued.
* ``messages``: The campaign's words for each member, and the events that carry them to the notifications side.
* ``message_cost``: What a campaign's messages will cost, before it is launched, and its message budget.
* ``one_off``: A one-off message staff write to one member or a whole VIP group, on the channel they choose.
* ``outcomes``: What a campaign achieved, counted in SQL (a report: read-only, one query per figure).
* ``schedule``: When a campaign's occurrences fall: birthdays, anniversaries, holidays and lunar dates.
* ``drafts``: A campaign as staff are still typing it: its audience now, the message cost and its words.
* ``params``: Numbered parameters for SQL built from pieces (segment filters, audiences, fan-out batches).
* ``segment_fields``: The words of the segment filter language: its fields, their SQL and the operators each allows.
* ``segment_filters``: The segment filter language: validated JSON compiled to parameterised SQL.
* ``segments``: Segments: saved, named member filters, with a preview and a per-member explanation.
* ``vip``: VIP groups: named lists of members kept by hand, with their own description and benefits.
"""

from loyalty.campaigns.audience import audience_size
from loyalty.campaigns.drafts import DraftPreview, draft_texts, preview_draft
from loyalty.campaigns.fields import EDITABLE, AudienceKind, GiftKind, ScheduleKind, fields_for
from loyalty.campaigns.lifecycle import (
    CampaignNotFound,
    CampaignStateConflict,
    change_status,
    create_campaign,
    load_campaign,
    update_campaign,
)
from loyalty.campaigns.message_cost import CostEstimate, campaign_estimate
from loyalty.campaigns.messages import GiftBatch
from loyalty.campaigns.one_off import send_one_off
from loyalty.campaigns.outcomes import ChannelResult, Results, channel_results, results, to_csv
from loyalty.campaigns.progress import RunProgress, runs_in_progress
from loyalty.campaigns.runs import run_campaign, run_due_campaigns  # jobs
from loyalty.campaigns.segment_fields import FIELDS as SEGMENT_FIELDS
from loyalty.campaigns.segment_fields import Field as SegmentField
from loyalty.campaigns.segment_fields import InvalidFilter
from loyalty.campaigns.segment_fields import Kind as SegmentFieldKind
from loyalty.campaigns.segments import (
    Preview,
    Sampled,
    definition_of,
    explain,
    install_builtins,
    preview,
    save_segment,
)
from loyalty.campaigns.vip import Added, GroupChoice, add_member, add_phone_file, add_phones, create_group, groups

__all__ = [
    "EDITABLE",
    "SEGMENT_FIELDS",
    "Added",
    "AudienceKind",
    "CampaignNotFound",
    "CampaignStateConflict",
    "ChannelResult",
    "CostEstimate",
    "DraftPreview",
    "GiftBatch",
    "GiftKind",
    "GroupChoice",
    "InvalidFilter",
    "Preview",
    "Results",
    "RunProgress",
    "Sampled",
    "ScheduleKind",
    "SegmentField",
    "SegmentFieldKind",
    "add_member",
    "add_phone_file",
    "add_phones",
    "audience_size",
    "campaign_estimate",
    "change_status",
    "channel_results",
    "create_campaign",
    "create_group",
    "definition_of",
    "draft_texts",
    "explain",
    "fields_for",
    "groups",
    "install_builtins",
    "load_campaign",
    "preview",
    "preview_draft",
    "results",
    "run_campaign",
    "run_due_campaigns",
    "runs_in_progress",
    "save_segment",
    "send_one_off",
    "to_csv",
    "update_campaign",
]

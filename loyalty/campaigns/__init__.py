"""Segments, VIP groups and gift campaigns: who gets what, when, within which budget.

Rules and invariants:

* An audience is everyone, a segment (validated JSON compiled to parameterised SQL), a VIP group
  or a tier; erased members never.
* A campaign moves ``draft → scheduled → running → finished`` (``paused``, ``cancelled``), each
  move a guarded UPDATE on the status it leaves; only a draft is edited freely.
* One gift per member per occurrence (UNIQUE in the database); the caps (``max_gifts``,
  ``max_points``) hold across workers because the budget counters move by conditional UPDATEs.
* The fan-out is set-wise SQL in batches, resumable after a crash and safe with many workers;
  points gifts go through ``loyalty.points.bulk_credit``, vouchers through
  ``loyalty.rewards.issue_voucher``.
* Schedules: once, birthday, anniversary, a Vietnamese holiday or a lunar date, in the
  programme's time zone.

Modules:

* ``fanout``: Fan-out of a campaign's gifts: set-based SQL in batches, resumable, safe with many workers.
* ``gift_points``: Points gifts of a campaign run: lanes of the audience, given batch by batch, several workers at once.
* ``lifecycle``: Gift campaigns: who gets what, when, within which budget, and the job that gives.
* ``results``: What a campaign achieved, counted in SQL (a report: read-only, one query per figure).
* ``schedule``: When a campaign's occurrences fall: birthdays, anniversaries, holidays and lunar dates.
* ``segment_filters``: The segment filter language: validated JSON compiled to parameterised SQL.
* ``segments``: Segments: saved, named member filters, with a preview and a per-member explanation.
* ``vip``: VIP groups: named lists of members kept by hand, with their own description and benefits.
"""

from loyalty.campaigns.gift_points import GiftBatch
from loyalty.campaigns.lifecycle import (
    audience_size,
    change_status,
    create_campaign,
    run_due_campaigns,  # jobs
    update_campaign,
)
from loyalty.campaigns.outcomes import Results, results, to_csv
from loyalty.campaigns.segments import definition_of, explain, install_builtins, preview, save_segment
from loyalty.campaigns.vip import Added, add_phone_file, add_phones, create_group, groups

__all__ = [
    "Added",
    "GiftBatch",
    "Results",
    "add_phone_file",
    "add_phones",
    "audience_size",
    "change_status",
    "create_campaign",
    "create_group",
    "definition_of",
    "explain",
    "groups",
    "install_builtins",
    "preview",
    "results",
    "run_due_campaigns",
    "save_segment",
    "to_csv",
    "update_campaign",
]

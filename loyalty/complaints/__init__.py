"""The complaints desk: cases, their timeline, service levels, compensation and reports.

Rules and invariants:

* A customer may always complain, for free; a case has a public reference ``KN-<year>-<id>``
  and a member reaches only its own cases (any other is "not found").
* Status moves ``new → acknowledged → in_progress → resolved → closed`` by guarded UPDATEs; a
  resolved or closed case may be reopened within the reopen window.
* Every change and message is a ``ComplaintEvent`` on an append-only timeline, visible or
  internal; internal lines never reach the member.
* Service levels: each case has due times from its category's targets; breaches are recorded
  once and escalated by a job.
* Compensation (points or a reward's voucher) is proposed, then granted or rejected by another
  staff member, through the ledger or the voucher functions, with an audit row.
* Staff actions write their audit row inside the function they call.

Modules:

* ``cases``: Complaints: cases from the app or logged by staff, their status, timeline and rating.
* ``compensation``: Compensation on a complaint: points or a reward's voucher, to restore goodwill.
* ``photos``: Reading cases back for the staff pages: the open cases, and the photos a customer attached.
* ``reports``: Complaint figures for the staff report page.
* ``sla``: Complaint service levels: targets, due times, breaches and the escalation job.
"""

from loyalty.complaints.cases import (
    CaseView,
    acknowledge,
    assign,
    case_view,
    category_codes,
    close,
    close_resolved,  # jobs
    decode_photos,
    file_from_app,
    get_case,
    log_by_staff,
    member_case,
    member_cases,
    member_message,
    rate,
    reopen,
    reply,
)
from loyalty.complaints.compensation import approve, reject, resolve_with_offer
from loyalty.complaints.photos import open_cases, photo, photo_ids
from loyalty.complaints.reports import Report, complaint_report
from loyalty.complaints.sla import escalate_overdue  # jobs

__all__ = [
    "CaseView",
    "Report",
    "acknowledge",
    "approve",
    "assign",
    "case_view",
    "category_codes",
    "close",
    "close_resolved",
    "complaint_report",
    "decode_photos",
    "escalate_overdue",
    "file_from_app",
    "get_case",
    "log_by_staff",
    "member_case",
    "member_cases",
    "member_message",
    "open_cases",
    "photo",
    "photo_ids",
    "rate",
    "reject",
    "reopen",
    "reply",
    "resolve_with_offer",
]

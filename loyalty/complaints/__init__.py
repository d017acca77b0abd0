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
* Staff actions write their audit row inside the function they call, in its transaction.
* Cases and offers leave the package as frozen records (:class:`Case`, :class:`Offer`, views),
  never as table rows; statuses, priorities, channels and line kinds are StrEnums.

Modules:

* ``records``: What a case is to its callers: a frozen record, found by its public reference.
* ``fields``: What the desk accepts in its forms and the app's requests: texts, staff users, stores.
* ``timeline``: A case's timeline: writing its lines (with their audit rows and the member's update), reading them.
* ``photos``: The photos a customer attaches to a case: checked on the way in, kept as bytes, served to staff.
* ``sla``: Complaint service levels: targets, due times, breaches and the escalation job.
* ``intake``: Opening a case: from the member's app, or logged by staff from a call, a visit or a letter.
* ``moves``: Staff move a case along: acknowledge, reply or note, assign, resolve, close, reopen.
* ``views``: Reading cases back: one case with its timeline and photos, the member's list, the open cases.
* ``desk``: One case as the desk's page shows it: customer, assignee, offers, and the forms' choices.
* ``customer``: The member's side of the desk: its own cases, writing on them, rating them.
* ``closing``: The close job: resolved cases close by themselves once the reopen window has passed.
* ``compensation``: Compensation on a complaint: points or a reward's voucher, to restore goodwill.
* ``reports``: Complaint figures for the staff report page.
"""

from loyalty.complaints.closing import close_resolved  # jobs
from loyalty.complaints.compensation import (
    CompensationDecided,
    CompensationKind,
    CompensationNotFound,
    Offer,
    SameStaff,
    approve,
    for_case,
    propose,
    reject,
    resolve_with_offer,
)
from loyalty.complaints.customer import AlreadyRated, member_case, member_cases, member_message, rate
from loyalty.complaints.desk import Choice, Customer, DeskCase, desk_case
from loyalty.complaints.fields import MAX_TEXT, staff_id
from loyalty.complaints.intake import Channel, UnknownCategory, file_from_app, log_by_staff, seed_categories
from loyalty.complaints.moves import WrongStatus, acknowledge, assign, close, reopen, reply, resolve
from loyalty.complaints.photos import Photo, PhotoRejected, decode_photos, photo
from loyalty.complaints.records import Case, CaseNotFound, get_case
from loyalty.complaints.reports import Recurring, Report, complaint_report
from loyalty.complaints.sla import (  # jobs: escalate_overdue
    DESK,
    OPEN_STATUSES,
    Priority,
    escalate_overdue,
    seed_targets,
)
from loyalty.complaints.timeline import Author, LineKind, TimelineLine
from loyalty.complaints.views import (
    CaseSummary,
    CaseView,
    Category,
    OpenCase,
    case_view,
    categories,
    open_cases,
    staff_case,
)

__all__ = [
    "DESK",
    "MAX_TEXT",
    "OPEN_STATUSES",
    "AlreadyRated",
    "Author",
    "Case",
    "CaseNotFound",
    "CaseSummary",
    "CaseView",
    "Category",
    "Channel",
    "Choice",
    "CompensationDecided",
    "CompensationKind",
    "CompensationNotFound",
    "Customer",
    "DeskCase",
    "LineKind",
    "Offer",
    "OpenCase",
    "Photo",
    "PhotoRejected",
    "Priority",
    "Recurring",
    "Report",
    "SameStaff",
    "TimelineLine",
    "UnknownCategory",
    "WrongStatus",
    "acknowledge",
    "approve",
    "assign",
    "case_view",
    "categories",
    "close",
    "close_resolved",
    "complaint_report",
    "decode_photos",
    "desk_case",
    "escalate_overdue",
    "file_from_app",
    "for_case",
    "get_case",
    "log_by_staff",
    "member_case",
    "member_cases",
    "member_message",
    "open_cases",
    "photo",
    "propose",
    "rate",
    "reject",
    "reopen",
    "reply",
    "resolve",
    "resolve_with_offer",
    "seed_categories",
    "seed_targets",
    "staff_case",
    "staff_id",
]

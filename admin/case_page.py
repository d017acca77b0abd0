"""A case as staff read and work it: the customer, the clock, the whole timeline (internal notes
too), the photos, and the desk's actions as forms on the page.

Piccolo Admin cannot show a photo stored as bytes nor draw a case's actions beside it, so the
desk works here (``templates/case.html``; the open cases are ``templates/case_list.html``). Each
form posts to the page itself, which calls the same domain function as the admin's form and
answers with a redirect (post/redirect/get) or, when the desk refuses, the page again with the
reason in Vietnamese. Photos are served only to a staff session, with their stored content type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from admin.choices_vi import name_of
from admin.formats import local_time, points
from loyalty.complaints import (
    DESK,
    OPEN_STATUSES,
    Author,
    CompensationKind,
    DeskCase,
    LineKind,
    OpenCase,
    Priority,
)
from loyalty.errors import DomainError
from loyalty.schema import CompensationStatus, ComplaintChannel, Status

TEMPLATE = "case.html"
LIST_TEMPLATE = "case_list.html"
ACTIONS = ("acknowledge", "reply", "assign", "resolve", "propose", "approve", "reject", "close", "reopen")
# What the page says after each action went through (shown once, after the redirect).
DONE = {
    "acknowledge": "Đã xác nhận tiếp nhận; khách đã được báo.",
    "reply": "Đã gửi trả lời cho khách.",
    "note": "Đã thêm ghi chú nội bộ.",
    "assign": "Đã giao hồ sơ.",
    "unchanged": "Không có gì thay đổi: hồ sơ đã được giao cho người này.",
    "resolve": "Đã giải quyết hồ sơ; khách đã được báo.",
    "propose": "Đã đề xuất đền bù.",
    "approve": "Đã duyệt và tặng đền bù.",
    "reject": "Đã từ chối đền bù.",
    "close": "Đã đóng hồ sơ.",
    "reopen": "Đã mở lại hồ sơ.",
}
FIELDS_VI = {
    "body": "Nội dung trả lời",
    "message": "Lời nhắn",
    "resolution": "Cách giải quyết",
    "reason": "Lý do",
    "assignee_id": "Người phụ trách",
    "points": "Số điểm",
    "reward_id": "Phần thưởng",
    "compensation_id": "Khoản đền bù",
    "reference": "Hồ sơ",
    "action": "Thao tác",
}
ERRORS_VI = {
    "complaint_status": "Không làm được việc này ở trạng thái hiện tại của hồ sơ.",
    "compensation_decided": "Khoản đền bù này đã được quyết định trước đó.",
    "compensation_not_found": "Không có khoản đền bù này trên hồ sơ.",
    "second_approver_required": "Người đề xuất không tự duyệt được: cần một nhân viên khác duyệt.",
    "complaint_not_found": "Không có hồ sơ này.",
}


def error_vi(exc: DomainError) -> str:
    """What the page says when the desk refuses: Vietnamese first, the desk's English after."""
    known = ERRORS_VI.get(exc.code)
    if known is None:
        field = FIELDS_VI.get(str(exc.data.get("field", "")), "")
        known = f"{field}: chưa hợp lệ." if field else "Dữ liệu chưa hợp lệ."
        if "must not be empty" in exc.detail or "at least 3 characters" in exc.detail:
            known = f"{field or 'Ô này'}: không được để trống (ít nhất 3 ký tự cho lý do)."
    return f"{known} / {exc.detail}"


def span(delta: timedelta) -> str:
    """A length of time the desk reads at a glance: ``2 ngày 3 giờ``, ``4 giờ 05 phút``, ``12 phút``."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    if days:
        return f"{days} ngày {hour} giờ"
    return f"{hour} giờ {minute:02d} phút" if hour else f"{minute} phút"


@dataclass(frozen=True)
class Clock:
    """One service-level target of the case: what the desk reads, and whether it is late."""

    label: str
    due: str
    state: str
    late: bool


def clock(label: str, due: datetime, met_at: datetime | None, now: datetime) -> Clock:
    if met_at is not None:
        late = met_at > due
        how = f"trễ {span(met_at - due)}" if late else "đúng hạn"
        return Clock(label, local_time(due), f"Đã xong lúc {local_time(met_at)} ({how})", late)
    if now <= due:
        return Clock(label, local_time(due), f"Còn {span(due - now)}", False)
    return Clock(label, local_time(due), f"Quá hạn {span(now - due)}", True)


def case_context(
    desk: DeskCase,
    username: str,
    token: str,
    now: datetime,
    *,
    done: str = "",
    error: str = "",
    typed: dict[str, str] | None = None,
) -> dict[str, Any]:
    view = desk.view
    case = view.case
    facts = [
        ("Trạng thái", name_of(Status, case.status)),
        ("Mức ưu tiên", name_of(Priority, case.priority)),
        ("Loại khiếu nại", f"{desk.category_name} ({view.category_code})"),
        ("Cửa hàng", view.store_code or "—"),
        ("Kênh tiếp nhận", name_of(ComplaintChannel, case.channel)),
        ("Người phụ trách", desk.assignee or "Chưa giao"),
        ("Tiếp nhận lúc", local_time(case.created_at)),
        ("Số lần mở lại", points(case.reopen_count)),
        ("Đánh giá của khách", f"{case.rating_score}/5" if case.rating_score else "—"),
    ]
    clocks = [
        clock("Phản hồi đầu tiên", case.first_response_due, case.first_response_at, now),
        clock("Giải quyết", case.resolution_due, case.resolved_at, now),
    ]
    offers = [
        {
            "id": offer.id,
            "what": f"{points(offer.points)} điểm" if offer.kind == CompensationKind.POINTS else "Phiếu quà tặng",
            "kind": name_of(CompensationKind, offer.kind),
            "status": name_of(CompensationStatus, offer.status),
            "proposed": offer.status == CompensationStatus.PROPOSED,
            "reason": offer.reason,
            "at": local_time(offer.created_at),
        }
        for offer in desk.offers
    ]
    timeline = [
        {
            "at": local_time(line.at),
            "kind": name_of(LineKind, line.kind),
            "who": line.staff or name_of(Author, line.author),
            "visible": line.visible,
            "body": line.body,
        }
        for line in view.timeline
    ]
    is_open = case.status in OPEN_STATUSES
    can_reopen = case.resolved_at is not None and now <= case.resolved_at + timedelta(days=DESK.reopen_days)
    return {
        "case": case,
        "customer": desk.customer,
        "facts": facts,
        "clocks": clocks,
        "offers": offers,
        "photo_ids": view.photo_ids,
        "timeline": timeline,
        "staff": desk.staff,
        "rewards": desk.rewards,
        "approval_points": points(DESK.approval_points),
        "can": {
            "acknowledge": case.status == Status.NEW,
            "reply": is_open,
            "assign": is_open,
            "resolve": is_open,
            "propose": desk.customer.member_id is not None and case.status != Status.CLOSED,
            "close": case.status == Status.RESOLVED,
            "reopen": case.status in (Status.RESOLVED, Status.CLOSED) and can_reopen,
        },
        "token": token,
        "done": DONE.get(done, ""),
        "error": error,
        "typed": typed or {},
        "username": username,
    }


def case_list_context(cases: list[OpenCase], username: str) -> dict[str, Any]:
    rows = [
        {
            "reference": c.reference,
            "status": name_of(Status, c.status),
            "priority": name_of(Priority, c.priority),
            "category": c.category or "",
            "assignee": c.assignee or "Chưa giao",
            "overdue": c.overdue,
            "due": local_time(c.resolution_due),
        }
        for c in cases
    ]
    return {"cases": rows, "username": username}

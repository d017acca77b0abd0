"""The member pages: search (``templates/member_search.html``) and a member's whole story
(``templates/member.html``), the Vietnamese way.

Served by the API at ``/staff/members`` and ``/staff/members/{id}`` under the staff login
(``api.controllers.members_page``). This module turns the domain's reads (``loyalty.members``
find and story, the tier standing, the points expiring) into the pages' rows and labels; the
action forms on the member page post back to the API, each to one domain function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from admin.choices_vi import name_of
from admin.formats import NOTHING, day, local_time, points, vnd
from loyalty import points as ledger
from loyalty import tiers
from loyalty.campaigns import GroupChoice
from loyalty.complaints import Category, Channel
from loyalty.members import MemberMatch, MemberProfile, Timeline, TimelineItem
from loyalty.rewards import RewardChoice
from loyalty.schema import LedgerKind, Member, MessageChannel, PurchaseChannel, VoucherSource, VoucherStatus
from loyalty.schema import Status as CaseStatus

SEARCH_TEMPLATE = "member_search.html"
TEMPLATE = "member.html"

SOURCES = {
    "purchase": "Mua hàng",
    "ledger": "Điểm",
    "tier": "Hạng",
    "voucher": "Voucher",
    "message": "Tin nhắn",
    "complaint": "Khiếu nại",
    "consent": "Đồng ý nhận tin",
}
DELIVERY_STATUSES = {
    "pending": "đang chờ gửi",
    "held": "tạm giữ",
    "sent": "đã gửi",
    "delivered": "đã nhận",
    "failed": "thất bại",
    "skipped": "bỏ qua",
}
PURPOSES = {"transactional": "Giao dịch", "marketing": "Tiếp thị"}
# How a complaint reached us, when staff log it (the app files its own).
COMPLAINT_CHANNELS = {c.value: name_of(Channel, c) for c in Channel if c is not Channel.APP}
# What the page says after an action succeeded (Post/Redirect/Get carries the key).
DONE = {
    "points": "Đã điều chỉnh điểm.",
    "voucher": "Đã tặng voucher.",
    "vip": "Đã thêm vào nhóm VIP.",
    "vip_already": "Khách hàng đã ở trong nhóm VIP này.",
    "complaint": "Đã ghi nhận khiếu nại.",
    "erased": "Đã xoá dữ liệu cá nhân của khách hàng theo yêu cầu.",
}

# A refused action in the staff's words, by the domain error's code (others show their detail).
REFUSALS = {
    "insufficient_points": "Khách không đủ điểm để trừ chừng ấy.",
    "out_of_stock": "Phần thưởng này đã hết.",
    "unknown_category": "Loại khiếu nại không có hoặc đã ngừng dùng.",
    "not_found": "Không tìm thấy mục đã chọn (có thể đã bị xoá hoặc ngừng hoạt động).",
}


def refusal(code: str, detail: str) -> str:
    return REFUSALS.get(code) or f"Không thực hiện được: {detail}"


def local_phone(phone: str | None) -> str:
    """``+84907654321`` as a Vietnamese clerk reads it: ``0907 654 321``."""
    if not phone:
        return NOTHING
    if phone.startswith("+84") and len(phone) == 12:
        national = "0" + phone[3:]
        return f"{national[:4]} {national[4:7]} {national[7:]}"
    return phone


@dataclass(frozen=True, slots=True)
class Row:
    """One timeline line as the page shows it."""

    at: str
    source: str
    kind: str
    what: str
    detail: str
    link: str = ""


def _signed(value: int | None) -> str:
    if value is None:
        return NOTHING
    return ("+" if value > 0 else "") + points(value)


def _row(item: TimelineItem) -> Row:
    at, kind = local_time(item.at), SOURCES.get(item.source, item.source)
    if item.source == "purchase":
        what = f"Hoá đơn {item.note} · {item.label or NOTHING} ({name_of(PurchaseChannel, item.status).lower()})"
        detail = f"{vnd(item.n1 or 0)} · {_signed(item.n2)} điểm"
        if item.n3:
            detail += f" · đã hoàn {vnd(item.n3)}"
        return Row(at, item.source, kind, what, detail)
    if item.source == "ledger":
        what = name_of(LedgerKind, item.label) + (f": {item.note}" if item.note else "")
        detail = f"{_signed(item.n1)} điểm · số dư {points(item.n2 or 0)}"
        if item.n3:
            detail += f" · thiếu {points(item.n3)}"
        return Row(at, item.source, kind, what, detail)
    if item.source == "tier":
        what = f"{item.extra or NOTHING} → {item.label or NOTHING}"
        return Row(at, item.source, kind, what, item.note)
    if item.source == "voucher":
        what = f"{item.label} · mã {item.note}"
        detail = f"{name_of(VoucherStatus, item.status)} · {name_of(VoucherSource, item.extra).lower()}"
        if item.n1:
            detail += f" · {points(item.n1)} điểm"
        return Row(at, item.source, kind, what, detail)
    if item.source == "message":
        sent = ", ".join(
            f"{name_of(MessageChannel, d.channel)}: {DELIVERY_STATUSES.get(d.status, d.status)}"
            + (f" ({vnd(d.cost_vnd)})" if d.cost_vnd else "")
            for d in item.deliveries
        )
        detail = f"{PURPOSES.get(item.status, item.status)} · {sent or 'chỉ trong hộp thư ứng dụng'}"
        return Row(at, item.source, kind, item.label, detail)
    if item.source == "complaint":
        what = f"{item.label} · {item.extra}: {item.note}"
        return Row(at, item.source, kind, what, name_of(CaseStatus, item.status), f"/staff/complaints/{item.label}")
    # consent
    answer = "Đồng ý" if item.extra == "granted" else "Không đồng ý / đã rút"
    what = f"{name_of(MessageChannel, item.label)} · {PURPOSES.get(item.status, item.status)}: {answer}"
    return Row(at, item.source, kind, what, f"phiên bản {item.note}")


async def standing_lines(member_id: int) -> dict[str, str]:
    """The member's tier, the next one and what is missing, and the points expiring soon."""
    member = await Member.objects().where(Member.id == member_id).first()
    assert member is not None  # the profile was read first
    standing = await tiers.standing(member)
    lines = {"tier": standing.tier.name_vi if standing.tier else NOTHING, "next": ""}
    following = standing.next_tier
    if following is not None:
        needed = standing.points_needed or 0
        missing = vnd(needed) + " chi tiêu" if following.metric == tiers.Metric.SPEND else points(needed) + " điểm"
        lines["next"] = f"Còn {missing} nữa để lên hạng {following.name_vi}"
    else:
        lines["next"] = "Hạng cao nhất" if standing.tier else ""
    lines["expiring"] = points(await ledger.points_expiring(member_id))
    return lines


# The page's actions, each posted to /staff/members/{id}/<action>; a page shows those the staff
# member's role may send (``admin.permissions.PAGES``; the server refuses the others anyway).
ACTIONS = frozenset({"points", "voucher", "vip", "complaint", "erase"})


def member_context(
    found: MemberProfile,
    standing: dict[str, str],
    page: Timeline,
    *,
    username: str,
    token: str,
    nonce: str,
    rewards: list[RewardChoice],
    groups: list[GroupChoice],
    categories: list[Category],
    done: str = "",
    error: str = "",
    paged: bool = False,
    actions: frozenset[str] = ACTIONS,
) -> dict[str, Any]:
    profile = [
        ("Họ tên", found.name or NOTHING),
        ("Số điện thoại", local_phone(found.phone)),
        ("Mã thành viên", found.public_id),
        ("E-mail", found.email or NOTHING),
        ("Thành phố", found.city or NOTHING),
        ("Sinh nhật", day(found.birthday) if found.birthday else NOTHING),
        ("Tham gia", local_time(found.joined_at)),
        ("Kênh ưu tiên", name_of(MessageChannel, found.preferred_channel)),
        ("Ngôn ngữ", "Tiếng Việt" if found.locale == "vi" else "English"),
        ("Nhóm VIP", ", ".join(found.vip_groups) or NOTHING),
    ]
    consents = [
        {
            "channel": name_of(MessageChannel, c.channel),
            "purpose": PURPOSES.get(c.purpose, c.purpose),
            "granted": "Đồng ý" if c.granted else "Không",
            "version": c.text_version,
            "at": local_time(c.at),
        }
        for c in found.consents
    ]
    return {
        "member": found,
        "title": found.name or found.public_id,
        "profile": profile,
        "balance": points(found.points_balance),
        "tier_since": local_time(found.tier_since) if found.tier_since else "",
        "standing": standing,
        "consents": consents,
        "rows": [_row(i) for i in page.items],
        "next_page": page.next_page.token() if page.next_page else "",
        "paged": paged,
        "username": username,
        "token": token,
        "nonce": nonce,
        "rewards": rewards,
        "groups": groups,
        "categories": categories,
        "complaint_channels": COMPLAINT_CHANNELS,
        "done": DONE.get(done, ""),
        "error": error,
        "points": points,
        "actions": actions,
    }


def search_context(query: str, matches: list[MemberMatch], *, username: str, message: str = "") -> dict[str, Any]:
    rows = [
        {
            "href": f"/staff/members/{m.id}",
            "name": m.name or NOTHING,
            "phone": local_phone(m.phone),
            "public_id": m.public_id,
            "city": m.city or NOTHING,
            "joined": local_time(m.joined_at),
            "erased": m.erased,
        }
        for m in matches
    ]
    return {"query": query, "rows": rows, "message": message, "username": username}

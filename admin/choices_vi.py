"""The Vietnamese names of the codes staff choose from: statuses, priorities, channels, kinds.

The database and the code keep the English codes (``in_progress``, ``urgent``); these are what
staff read: in the admin's selects and filters (``admin.labels`` puts them in the JSON schema as
each choice's ``display_name``) and on the staff pages. One dictionary per enum, keyed by the
enum itself, so two enums that share a value (a purchase's and a complaint's channel) may name
it differently. ``tests/admin/test_admin_vietnamese.py`` checks every value has its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from loyalty.schema import (
    AudienceKind,
    Author,
    CampaignStatus,
    CompensationKind,
    CompensationStatus,
    ComplaintChannel,
    GiftKind,
    GiftStatus,
    LedgerKind,
    LineKind,
    MessageChannel,
    Priority,
    PurchaseChannel,
    RuleKind,
    ScheduleKind,
    StaffRoleKind,
    Status,
    TierMetric,
    VoucherSource,
    VoucherStatus,
)

NAMES: Mapping[type[Enum], Mapping[str, str]] = {
    Status: {
        "new": "Mới",
        "acknowledged": "Đã tiếp nhận",
        "in_progress": "Đang xử lý",
        "resolved": "Đã giải quyết",
        "closed": "Đã đóng",
    },
    Priority: {"low": "Thấp", "normal": "Bình thường", "high": "Cao", "urgent": "Khẩn cấp"},
    StaffRoleKind: {
        "manager": "Quản lý",
        "marketing": "Marketing",
        "care": "Chăm sóc khách hàng",
        "store": "Nhân viên cửa hàng",
    },
    ComplaintChannel: {
        "app": "Ứng dụng",
        "phone": "Điện thoại",
        "in_person": "Tại cửa hàng",
        "writing": "Văn bản",
        "social": "Mạng xã hội",
        "email": "Email",
    },
    CompensationStatus: {"proposed": "Chờ duyệt", "granted": "Đã tặng", "rejected": "Đã từ chối"},
    CompensationKind: {"points": "Điểm", "voucher": "Phiếu quà tặng"},
    LineKind: {
        "created": "Tiếp nhận",
        "acknowledged": "Xác nhận tiếp nhận",
        "message": "Tin nhắn",
        "note": "Ghi chú nội bộ",
        "assigned": "Giao việc",
        "resolved": "Giải quyết",
        "closed": "Đóng hồ sơ",
        "reopened": "Mở lại",
        "rating": "Đánh giá",
        "escalated": "Chuyển cấp",
        "compensation_proposed": "Đề xuất đền bù",
        "compensation_rejected": "Từ chối đền bù",
        "compensation": "Đền bù",
    },
    Author: {"member": "Khách hàng", "staff": "Nhân viên", "system": "Hệ thống"},
    CampaignStatus: {
        "draft": "Nháp",
        "scheduled": "Đã lên lịch",
        "running": "Đang chạy",
        "paused": "Tạm dừng",
        "finished": "Đã kết thúc",
        "cancelled": "Đã hủy",
    },
    AudienceKind: {
        "everyone": "Mọi hội viên",
        "segment": "Một phân khúc",
        "vip_group": "Một nhóm VIP",
        "tier": "Một hạng",
    },
    GiftKind: {"points": "Tặng điểm", "voucher": "Tặng phiếu quà"},
    ScheduleKind: {
        "once": "Một lần",
        "birthday": "Sinh nhật",
        "anniversary": "Ngày tham gia",
        "holiday": "Ngày lễ",
        "lunar": "Ngày âm lịch",
    },
    GiftStatus: {
        "pending": "Đang chờ",
        "given": "Đã tặng",
        "over_budget": "Hết ngân sách",
        "failed": "Không tặng được",
    },
    MessageChannel: {"push": "Thông báo ứng dụng (push)", "zalo": "Zalo", "sms": "SMS", "email": "E-mail"},
    PurchaseChannel: {"till": "Tại quầy", "claim": "Khách nhập mã hóa đơn"},
    RuleKind: {
        "category": "Theo ngành hàng",
        "store": "Theo cửa hàng",
        "period": "Theo thời gian",
        "first_purchase": "Lần mua đầu tiên",
    },
    LedgerKind: {
        "earn": "Tích điểm",
        "redeem": "Đổi điểm",
        "expire": "Hết hạn",
        "adjust": "Điều chỉnh",
        "reverse": "Thu hồi",
        "gift": "Quà tặng",
        "referral": "Giới thiệu bạn",
        "compensation": "Đền bù khiếu nại",
    },
    VoucherStatus: {"issued": "Chưa dùng", "redeemed": "Đã dùng", "expired": "Hết hạn", "cancelled": "Đã hủy"},
    VoucherSource: {
        "redemption": "Đổi điểm",
        "campaign": "Chiến dịch",
        "compensation": "Đền bù khiếu nại",
        "birthday": "Quà sinh nhật",
        "staff": "Nhân viên tặng",
    },
    TierMetric: {"points": "Điểm tích được", "spend": "Số tiền chi tiêu"},
}


def name_of(enum: type[Enum], value: object) -> str:
    """The Vietnamese name of a code of ``enum``; an unknown code as it is (old data stays readable)."""
    code = value.value if isinstance(value, Enum) else str(value)
    return NAMES.get(enum, {}).get(code, code)

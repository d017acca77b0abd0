"""The Vietnamese names staff read in the admin: tables, columns, menu groups and forms.

The code keeps its English names (tables, columns, groups, form slugs); these are what the pages
show, applied when the admin is built (``admin.labels``). A column is named the same in every
table (``COLUMNS``) unless its table says otherwise. ``tests/admin/test_admin_vietnamese.py``
checks that every table, column, group and form the admin serves has its name here.

Piccolo Admin 1.14 shows a table by its database name in the sidebar and the page headings (it
has no display name for tables): the Vietnamese name of a table is its list page's tooltip, and
our script in the admin's page (``admin.cell_formats``) writes it in the sidebar and headings.

Why one module of 500 lines: it is data, one dictionary a translator reads and fills from top to
bottom; split, a missing name would hide in another file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from admin.forms import ZONE_LABEL

MENU_GROUPS: Mapping[str, str] = {
    "Audit": "Kiểm soát",
    "Campaigns": "Chiến dịch",
    "Complaints": "Khiếu nại",
    "Members": "Hội viên",
    "Notifications": "Thông báo",
    "Points": "Điểm thưởng",
    "Programme": "Chương trình",
    "Stores": "Cửa hàng",
    "System": "Hệ thống",
}

COLUMNS: Mapping[str, str] = {
    "id": "ID",
    "active": "Đang hoạt động",
    "address": "Địa chỉ",
    "amount": "Số tiền (đ)",
    "answer": "Phản hồi đã lưu",
    "benefits_en": "Quyền lợi (tiếng Anh)",
    "benefits_vi": "Quyền lợi (tiếng Việt)",
    "body": "Nội dung",
    "campaign": "Chiến dịch",
    "category": "Ngành hàng",
    "channel": "Kênh",
    "city": "Tỉnh/Thành phố",
    "code": "Mã",
    "complaint": "Hồ sơ khiếu nại",
    "created_at": "Tạo lúc",
    "created_by": "Người tạo",
    "data": "Dữ liệu",
    "description": "Mô tả",
    "description_en": "Mô tả (tiếng Anh)",
    "description_vi": "Mô tả (tiếng Việt)",
    "email": "Email",
    "entry": "Giao dịch điểm",
    "expires_at": "Hết hạn lúc",
    "kind": "Loại",
    "last_error": "Lỗi gần nhất",
    "locale": "Ngôn ngữ",
    "member": "Hội viên",
    "name": "Tên",
    "name_en": "Tên (tiếng Anh)",
    "name_vi": "Tên (tiếng Việt)",
    "points": "Điểm",
    "priority": "Mức ưu tiên",
    "purpose": "Mục đích",
    "reason": "Lý do",
    "receipt_no": "Số hóa đơn",
    "reference": "Mã tham chiếu",
    "reminded_at": "Đã nhắc lúc",
    "request_hash": "Mã băm yêu cầu",
    "reward": "Phần thưởng",
    "segment": "Phân khúc",
    "staff": "Nhân viên",
    "status": "Trạng thái",
    "store": "Cửa hàng",
    "terminal": "Quầy thu ngân",
    "tier": "Hạng",
    "timezone": "Múi giờ",
    "title": "Tiêu đề",
    "updated_at": "Cập nhật lúc",
    "valid_from": "Hiệu lực từ",
    "valid_until": "Hiệu lực đến",
    "vip_group": "Nhóm VIP",
    "voucher": "Phiếu quà tặng",
    "voucher_valid_days": "Số ngày hiệu lực của phiếu",
}


@dataclass(frozen=True)
class TableLabels:
    name: str
    # Only where the table means something else by a column than COLUMNS says.
    columns: Mapping[str, str] = field(default_factory=dict)


TABLES: Mapping[str, TableLabels] = {
    "audit_log": TableLabels(
        "Nhật ký thao tác của nhân viên",
        {
            "staff_username": "Tên đăng nhập",
            "action": "Thao tác",
            "target": "Đối tượng",
            "target_id": "ID đối tượng",
            "detail": "Chi tiết",
            "created_at": "Thời điểm",
        },
    ),
    "campaign": TableLabels(
        "Chiến dịch quà tặng",
        {
            "name": "Tên chiến dịch",
            "audience": "Đối tượng nhận",
            "gift_kind": "Loại quà",
            "gift_points": "Số điểm tặng",
            "title_vi": "Tiêu đề (tiếng Việt)",
            "title_en": "Tiêu đề (tiếng Anh)",
            "message_vi": "Lời nhắn (tiếng Việt)",
            "message_en": "Lời nhắn (tiếng Anh)",
            "schedule": "Lịch chạy",
            "run_at": "Chạy lúc",
            "days_before": "Tặng trước (ngày)",
            "holiday": "Ngày lễ",
            "lunar_month": "Tháng âm lịch",
            "lunar_day": "Ngày âm lịch",
            "starts_on": "Từ ngày",
            "ends_on": "Đến ngày",
            "max_gifts": "Số quà tối đa",
            "max_points": "Tổng điểm tối đa",
            "gifts_issued": "Số quà đã tặng",
            "points_given": "Số điểm đã tặng",
            "channels": "Kênh gửi tin",
            "message_budget_vnd": "Ngân sách tin nhắn (đồng)",
            "message_cost_vnd": "Chi phí tin nhắn đã tính (đồng)",
        },
    ),
    "campaign_gift": TableLabels(
        "Quà đã tặng theo chiến dịch",
        {"occurrence": "Đợt tặng", "error": "Lỗi", "given_at": "Tặng lúc"},
    ),
    "complaint": TableLabels(
        "Hồ sơ khiếu nại",
        {
            "reference": "Mã hồ sơ",
            "customer_name": "Tên khách hàng",
            "customer_contact": "Liên hệ của khách",
            "category": "Loại khiếu nại",
            "channel": "Kênh tiếp nhận",
            "description": "Nội dung khiếu nại",
            "assignee": "Người phụ trách",
            "created_at": "Tiếp nhận lúc",
            "first_response_due": "Hạn phản hồi đầu tiên",
            "resolution_due": "Hạn giải quyết",
            "first_response_at": "Phản hồi đầu tiên lúc",
            "resolved_at": "Giải quyết lúc",
            "closed_at": "Đóng hồ sơ lúc",
            "first_response_breached": "Trễ hạn phản hồi",
            "resolution_breached": "Trễ hạn giải quyết",
            "overdue": "Đang quá hạn",
            "escalation_level": "Mức chuyển cấp",
            "reopen_count": "Số lần mở lại",
            "rating_score": "Điểm đánh giá",
            "rating_comment": "Nhận xét của khách",
            "rated_at": "Đánh giá lúc",
        },
    ),
    "complaint_categories": TableLabels(
        "Loại khiếu nại",
        {"active": "Đang dùng", "sort_order": "Thứ tự hiển thị"},
    ),
    "complaint_compensation": TableLabels(
        "Đền bù khiếu nại",
        {
            "kind": "Hình thức",
            "needs_approval": "Cần duyệt",
            "proposed_by": "Người đề xuất",
            "decided_by": "Người quyết định",
            "decided_at": "Quyết định lúc",
            "ledger_entry": "Giao dịch điểm",
        },
    ),
    "complaint_event": TableLabels(
        "Diễn biến hồ sơ khiếu nại",
        {"visible": "Khách xem được", "author_kind": "Người viết", "created_at": "Thời điểm"},
    ),
    "complaint_sla": TableLabels(
        "Thời hạn xử lý khiếu nại (SLA)",
        {
            "first_response_minutes": "Phản hồi đầu tiên trong (phút)",
            "resolution_minutes": "Giải quyết trong (phút)",
        },
    ),
    "consent": TableLabels(
        "Đồng ý nhận tin của hội viên",
        {"granted": "Đồng ý", "text_version": "Phiên bản nội dung đồng ý"},
    ),
    "delivery": TableLabels(
        "Lượt gửi thông báo",
        {
            "message": "Tin nhắn",
            "device": "Thiết bị",
            "attempts": "Số lần gửi",
            "next_attempt_at": "Gửi lại lúc",
            "provider_id": "Mã của nhà cung cấp",
            "released_at": "Hết giữ lúc",
            "sent_at": "Đã gửi lúc",
            "channel": "Kênh gửi",
            "address": "Gửi tới (số điện thoại, e-mail)",
            "delivered_at": "Đã đến nơi lúc",
            "cost_vnd": "Chi phí (đồng)",
            "parts": "Số phần tin SMS",
            "fallback_of": "Thay cho lượt gửi",
            "fallback_at": "Chuyển sang kênh khác lúc",
        },
    ),
    "device": TableLabels(
        "Thiết bị của hội viên",
        {
            "token": "Mã thiết bị (token)",
            "platform": "Nền tảng",
            "app_version": "Phiên bản ứng dụng",
            "last_seen_at": "Hoạt động gần nhất",
            "deactivated_at": "Ngừng lúc",
            "deactivated_reason": "Lý do ngừng",
        },
    ),
    "domain_event": TableLabels(
        "Sự kiện hệ thống",
        {"kind": "Loại sự kiện", "payload": "Dữ liệu", "processed_at": "Đã xử lý lúc"},
    ),
    "earning_rule": TableLabels(
        "Quy tắc tích điểm",
        {
            "name": "Tên quy tắc",
            "multiplier_pct": "Hệ số nhân (%)",
            "bonus_points": "Điểm cộng thêm",
            "active": "Đang áp dụng",
        },
    ),
    "inbox_message": TableLabels(
        "Hộp thư của hội viên",
        {"event": "Sự kiện", "category": "Nhóm tin", "read_at": "Đã đọc lúc"},
    ),
    "job_schedule": TableLabels(
        "Lịch tác vụ nền",
        {
            "name": "Tên tác vụ",
            "next_run_at": "Lần chạy tới",
            "lease_until": "Được giữ đến",
            "lease_owner": "Tiến trình đang giữ",
            "last_run_at": "Lần chạy trước",
            "last_result": "Kết quả lần trước",
            "last_success_at": "Lần chạy thành công gần nhất",
        },
    ),
    "ledger_entry": TableLabels(
        "Lịch sử giao dịch điểm",
        {
            "delta": "Điểm thay đổi",
            "balance_after": "Số dư sau giao dịch",
            "shortfall": "Điểm không thu hồi được",
            "description": "Diễn giải",
            "created_at": "Thời điểm",
            "prev_hash": "Mã băm trước",
            "entry_hash": "Mã băm",
        },
    ),
    "member": TableLabels(
        "Hội viên",
        {
            "public_id": "Mã hội viên",
            "firebase_uid": "Mã tài khoản Firebase",
            "phone": "Số điện thoại",
            "preferred_channel": "Kênh nhận tin ưu tiên",
            "name": "Họ tên",
            "birthday": "Ngày sinh",
            "gender": "Giới tính",
            "points_balance": "Số dư điểm",
            "tier_since": "Giữ hạng từ",
            "card_secret": "Khóa bí mật của thẻ",
            "last_card_step": "Bước mã thẻ gần nhất",
            "ledger_head": "Mã băm giao dịch cuối",
            "created_at": "Tham gia lúc",
            "erased_at": "Xóa dữ liệu lúc",
        },
    ),
    "member_stats": TableLabels(
        "Thống kê mua hàng của hội viên",
        {
            "first_purchase_at": "Mua lần đầu lúc",
            "last_purchase_at": "Mua gần nhất lúc",
            "visits_90d": "Số lần mua (90 ngày)",
            "spend_90d": "Chi tiêu 90 ngày (đ)",
            "visits_12m": "Số lần mua (12 tháng)",
            "spend_12m": "Chi tiêu 12 tháng (đ)",
            "visits_total": "Tổng số lần mua",
            "spend_total": "Tổng chi tiêu (đ)",
            "avg_basket": "Giá trị đơn trung bình (đ)",
            "channel": "Kênh mua hàng",
            "days_since_last_visit": "Số ngày từ lần mua cuối",
            "recency_score": "Điểm gần đây (R)",
            "frequency_score": "Điểm tần suất (F)",
            "monetary_score": "Điểm chi tiêu (M)",
            "refreshed_at": "Cập nhật lúc",
        },
    ),
    "piccolo_user": TableLabels(
        "Tài khoản nhân viên",
        {
            "username": "Tên đăng nhập",
            "password": "Mật khẩu",
            "first_name": "Tên",
            "last_name": "Họ",
            "admin": "Được vào trang quản trị",
            "superuser": "Quản trị hệ thống",
            "last_login": "Đăng nhập gần nhất",
        },
    ),
    "point_lot": TableLabels(
        "Lô điểm (theo hạn dùng)",
        {"points": "Số điểm", "points_left": "Điểm còn lại"},
    ),
    "purchase": TableLabels(
        "Giao dịch mua hàng",
        {
            "refunded_amount": "Đã hoàn tiền (đ)",
            "points_earned": "Điểm tích được",
            "points_reversed": "Điểm đã thu hồi",
            "earn_entry": "Giao dịch tích điểm",
            "created_at": "Thời điểm",
        },
    ),
    "receipt_claim": TableLabels(
        "Mã tích điểm in trên hóa đơn",
        {
            "code": "Mã tích điểm",
            "items": "Mặt hàng",
            "claimed_by": "Hội viên nhận điểm",
            "claimed_at": "Nhận điểm lúc",
        },
    ),
    "reward": TableLabels(
        "Phần thưởng đổi điểm",
        {
            "points_cost": "Điểm cần đổi",
            "stock_left": "Số lượng còn lại",
            "per_member_limit": "Giới hạn mỗi hội viên",
            "min_tier": "Hạng tối thiểu",
            "image": "Hình ảnh",
            "active": "Đang áp dụng",
        },
    ),
    "segment": TableLabels(
        "Phân khúc hội viên",
        {"name": "Tên phân khúc", "definition": "Điều kiện lọc", "builtin": "Có sẵn"},
    ),
    "store": TableLabels("Cửa hàng", {"code": "Mã cửa hàng", "name": "Tên cửa hàng"}),
    "terminal": TableLabels(
        "Quầy thu ngân",
        {
            "name": "Tên quầy",
            "key_hash": "Mã băm của khóa",
            "key_prefix": "Đầu khóa",
            "revoked_at": "Thu hồi lúc",
        },
    ),
    "tier": TableLabels(
        "Hạng hội viên",
        {
            "code": "Mã hạng",
            "rank": "Thứ bậc",
            "metric": "Tiêu chí xét hạng",
            "threshold": "Ngưỡng đạt hạng",
            "earn_multiplier_pct": "Hệ số tích điểm (%)",
        },
    ),
    "tier_birthday_gift": TableLabels("Quà sinh nhật theo hạng"),
    "tier_change": TableLabels(
        "Lịch sử thay đổi hạng",
        {"from_tier": "Từ hạng", "to_tier": "Sang hạng", "created_at": "Thời điểm"},
    ),
    "vip_group": TableLabels("Nhóm VIP", {"name": "Tên nhóm"}),
    "vip_member": TableLabels("Thành viên nhóm VIP", {"group": "Nhóm VIP", "added_at": "Thêm vào lúc"}),
    "voucher": TableLabels(
        "Phiếu quà tặng",
        {
            "code": "Mã phiếu",
            "source": "Nguồn",
            "points_paid": "Điểm đã trả",
            "spend_entry": "Giao dịch trừ điểm",
            "issued_at": "Phát hành lúc",
            "redeemed_at": "Sử dụng lúc",
            "redeemed_store": "Cửa hàng sử dụng",
            "redeemed_terminal": "Quầy sử dụng",
            "cancelled_reason": "Lý do hủy",
        },
    ),
}


@dataclass(frozen=True)
class FormLabels:
    """A form's name in the sidebar and on its page, what it is for, and its fields' labels.

    Piccolo Admin 1.14 shows a field's title and never its description, so a hint staff need
    (which id, what an empty field means) goes in the title."""

    name: str
    description: str
    fields: Mapping[str, str]


_REFERENCE = "Mã hồ sơ (vd. KN-2026-000123)"

FORMS: Mapping[str, FormLabels] = {
    "add-a-till": FormLabels(
        "Thêm quầy thu ngân",
        "Tạo khóa cho một quầy mới; khóa chỉ hiện một lần, ngay sau khi tạo.",
        {"store_code": "Mã cửa hàng (vd. Q1)", "name": "Tên quầy (vd. Quầy 2)"},
    ),
    "revoke-a-till": FormLabels(
        "Thu hồi quầy thu ngân",
        "Khóa của quầy ngừng hoạt động ngay lập tức.",
        {"terminal_id": "ID quầy (xem bảng terminal)", "reason": "Lý do"},
    ),
    "cancel-a-voucher": FormLabels(
        "Hủy phiếu quà tặng",
        "Chỉ hủy được phiếu chưa sử dụng; điểm được trả lại cho hội viên và số lượng phần thưởng được hoàn lại.",
        {"code": "Mã phiếu (xem bảng voucher)", "reason": "Lý do (ghi vào nhật ký)"},
    ),
    "send-a-message": FormLabels(
        "Gửi tin nhắn",
        "Gửi cho một hội viên hoặc một nhóm VIP qua kênh bạn chọn; tin ưu đãi chỉ đến hội viên đã đồng ý nhận.",
        {
            "channel": "Kênh (push, zalo, sms, email)",
            "kind": "Loại tin (notice: thông báo dịch vụ; offer: ưu đãi, cần sự đồng ý)",
            "title": "Tiêu đề",
            "body": "Nội dung (SMS: tiêu đề và nội dung tối đa 300 ký tự)",
            "phone": "Số điện thoại hội viên (hoặc để trống và chọn nhóm VIP)",
            "vip_group": "ID nhóm VIP (xem bảng nhóm VIP)",
        },
    ),
    "change-reward-stock": FormLabels(
        "Thay đổi số lượng phần thưởng",
        "Thêm hoặc bớt số lượng của phần thưởng có giới hạn; các lượt đổi tại quầy trong lúc đó vẫn được giữ.",
        {
            "reward_id": "ID phần thưởng (xem bảng phần thưởng)",
            "units": "Số lượng (số dương: thêm, số âm: bớt)",
            "reason": "Lý do (ghi vào nhật ký)",
        },
    ),
    "adjust-points": FormLabels(
        "Điều chỉnh điểm",
        "Cộng hoặc trừ điểm của hội viên kèm lý do; ghi vào lịch sử điểm và nhật ký thao tác.",
        {
            "member": "Hội viên (số điện thoại hoặc mã TT…)",
            "points": "Số điểm (số dương: cộng, số âm: trừ)",
            "reason": "Lý do (ghi vào lịch sử điểm và nhật ký)",
        },
    ),
    "expire-due-points-now": FormLabels(
        "Xử lý điểm hết hạn ngay",
        "Cho hết hạn ngay các lô điểm đã quá hạn (tác vụ nền vẫn tự làm việc này 10 phút một lần).",
        {"confirm": "Tôi xác nhận cho hết hạn mọi lô điểm đã quá hạn"},
    ),
    "log-a-complaint": FormLabels(
        "Ghi nhận khiếu nại",
        "Khiếu nại nhận qua điện thoại, tại cửa hàng, bằng văn bản, qua email hoặc mạng xã hội.",
        {
            "category": "Mã loại khiếu nại (vd. product_quality)",
            "description": "Nội dung khiếu nại",
            "channel": "Kênh tiếp nhận (phone: điện thoại, in_person: tại cửa hàng, writing: văn bản, "
            "social: mạng xã hội, email)",
            "priority": "Mức ưu tiên (low: thấp, normal: bình thường, high: cao, urgent: khẩn cấp)",
            "store_code": "Mã cửa hàng liên quan (nếu có)",
            "phone": "Số điện thoại của khách",
            "customer_name": "Tên khách hàng",
            "contact": "Liên hệ khác (email, địa chỉ, mạng xã hội)",
            "assignee": "Giao cho (tên đăng nhập, không bắt buộc)",
        },
    ),
    "acknowledge-a-complaint": FormLabels(
        "Xác nhận đã tiếp nhận khiếu nại",
        "Báo cho khách biết hồ sơ đã được tiếp nhận (phản hồi đầu tiên).",
        {"reference": _REFERENCE, "message": "Lời nhắn cho khách (để trống: dùng lời nhắn mặc định)"},
    ),
    "reply-on-a-complaint": FormLabels(
        "Trả lời khiếu nại",
        "Gửi tin nhắn cho khách, hoặc thêm ghi chú nội bộ. Tin dài nhiều dòng: viết trên trang hồ sơ "
        "(Hồ sơ khiếu nại đang mở → mã hồ sơ).",
        {"reference": _REFERENCE, "body": "Nội dung", "internal": "Ghi chú nội bộ (khách không thấy)"},
    ),
    "assign-a-complaint": FormLabels(
        "Giao khiếu nại",
        "Giao hồ sơ cho một nhân viên xử lý.",
        {"reference": _REFERENCE, "assignee": "Giao cho (tên đăng nhập)"},
    ),
    "resolve-a-complaint": FormLabels(
        "Giải quyết khiếu nại",
        "Khép lại vấn đề của khách, có thể kèm đền bù bằng điểm hoặc phiếu quà tặng. Cũng làm được trên "
        "trang hồ sơ (Hồ sơ khiếu nại đang mở → mã hồ sơ).",
        {
            "reference": _REFERENCE,
            "resolution": "Cách giải quyết (khách xem được)",
            "compensation_points": "Điểm đền bù (0: không đền bù điểm)",
            "compensation_reward_id": "Hoặc ID phần thưởng để tặng phiếu",
            "compensation_reason": "Lý do đền bù",
        },
    ),
    "approve-compensation": FormLabels(
        "Duyệt đền bù",
        "Một nhân viên thứ hai duyệt hoặc từ chối khoản đền bù lớn.",
        {
            "compensation_id": "ID đền bù (xem bảng complaint compensation)",
            "decision": "Quyết định (approve: duyệt, reject: từ chối)",
            "reason": "Lý do (bắt buộc khi từ chối)",
        },
    ),
    "close-or-reopen-a-complaint": FormLabels(
        "Đóng hoặc mở lại khiếu nại",
        "Đóng hồ sơ đã giải quyết, hoặc mở lại khi khách chưa hài lòng.",
        {
            "reference": _REFERENCE,
            "action": "Thao tác (close: đóng, reopen: mở lại)",
            "reason": "Lý do (bắt buộc khi mở lại)",
        },
    ),
    "save-a-segment": FormLabels(
        "Lưu phân khúc",
        "Một bộ lọc có tên theo hồ sơ, thống kê mua hàng, hạng và nhóm VIP (JSON được kiểm tra trước khi lưu).",
        {
            "name": "Tên phân khúc",
            "definition": 'Điều kiện lọc (JSON, vd. {"field": "city", "op": "eq", "value": "Hà Nội"})',
            "description": "Mô tả",
            "segment_id": "ID phân khúc cần sửa (để trống: tạo mới)",
        },
    ),
    "preview-audience": FormLabels(
        "Xem trước đối tượng",
        "Một phân khúc chọn được bao nhiêu hội viên, vài ví dụ, và vì sao một hội viên thuộc hay không thuộc.",
        {
            "segment_id": "ID phân khúc đã lưu…",
            "definition": "…hoặc điều kiện lọc (JSON) để thử",
            "member_id": "ID hội viên cần giải thích (không bắt buộc)",
            "campaign_id": "…hoặc ID chiến dịch: đối tượng và chi phí tin nhắn ước tính theo kênh",
        },
    ),
    "create-a-vip-group": FormLabels(
        "Tạo nhóm VIP",
        "Một nhóm khách hàng do nhân viên tự lập danh sách, với quyền lợi riêng.",
        {
            "name": "Tên nhóm",
            "description": "Mô tả",
            "benefits_vi": "Quyền lợi (tiếng Việt)",
            "benefits_en": "Quyền lợi (tiếng Anh)",
        },
    ),
    "add-phone-numbers-to-a-vip-group": FormLabels(
        "Thêm số điện thoại vào nhóm VIP",
        "Dán danh sách số (mỗi dòng một số, hoặc cách nhau bằng dấu phẩy, dấu chấm phẩy, khoảng trắng); "
        "kết quả cho biết bao nhiêu số được thêm, bao nhiêu đã có trong nhóm và số nào chưa là hội viên. "
        "Danh sách dài hoặc tệp CSV: /staff/vip/upload.",
        {"group_id": "ID nhóm VIP", "phones": "Số điện thoại (0907 654 321, +84 90…, 84-90… đều được)"},
    ),
    "create-or-change-a-campaign": FormLabels(
        "Tạo hoặc sửa chiến dịch",
        "Tiêu đề và lời nhắn có thể dùng $name, $points, $reward, $campaign, $code.",
        {
            "name": "Tên chiến dịch",
            "campaign_id": "ID chiến dịch nháp cần sửa (để trống: tạo mới)",
            "audience": "Đối tượng nhận",
            "segment": "ID phân khúc",
            "vip_group": "ID nhóm VIP",
            "tier": "ID hạng",
            "gift_kind": "Loại quà",
            "gift_points": "Số điểm tặng",
            "reward": "ID phần thưởng",
            "voucher_valid_days": "Số ngày hiệu lực của phiếu",
            "title_vi": "Tiêu đề (tiếng Việt)",
            "title_en": "Tiêu đề (tiếng Anh)",
            "message_vi": "Lời nhắn (tiếng Việt)",
            "message_en": "Lời nhắn (tiếng Anh)",
            "schedule": "Lịch chạy",
            "run_at": f"Chạy lúc (chiến dịch một lần) — {ZONE_LABEL}",
            "days_before": "Sinh nhật: tặng trước bao nhiêu ngày",
            "holiday": "Ngày lễ (tên tiếng Anh, vd. Lunar New Year)",
            "lunar_month": "Tháng âm lịch (vd. 8 cho Trung thu)",
            "lunar_day": "Ngày âm lịch (vd. 15 cho Trung thu)",
            "starts_on": f"Từ ngày — {ZONE_LABEL}",
            "ends_on": f"Đến ngày — {ZONE_LABEL}",
            "max_gifts": "Số quà tối đa",
            "max_points": "Tổng điểm tối đa",
            "channels": "Kênh gửi tin (push, zalo, sms, email; cách nhau bằng dấu phẩy)",
            "message_budget_vnd": "Ngân sách tin nhắn (đồng; để trống: không giới hạn)",
        },
    ),
    "launch-pause-or-cancel-a-campaign": FormLabels(
        "Chạy, tạm dừng hoặc hủy chiến dịch",
        "Đổi trạng thái một chiến dịch; kết quả xem ở /staff/campaigns.",
        {"campaign_id": "ID chiến dịch", "action": "Thao tác"},
    ),
}


def column_label(table: str, column: str) -> str | None:
    labels = TABLES.get(table)
    own = labels.columns.get(column) if labels is not None else None
    return own or COLUMNS.get(column)

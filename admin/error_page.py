"""The page a staff member sees when a /staff page cannot answer: what happened, in Vietnamese and
English, and the way back. Everything shown is escaped."""

from __future__ import annotations

from html import escape

TITLES = {
    400: ("Yêu cầu không hợp lệ", "Bad request"),
    403: ("Không được phép", "Not allowed"),
    404: ("Không tìm thấy", "Not found"),
    405: ("Không hỗ trợ thao tác này", "Method not allowed"),
    409: ("Xung đột", "Conflict"),
    413: ("Dữ liệu quá lớn", "Too large"),
    422: ("Dữ liệu không hợp lệ", "Invalid input"),
    429: ("Quá nhiều yêu cầu", "Too many requests"),
}
EXPLAINED = {
    400: "Kiểm tra lại địa chỉ hoặc các tham số trên thanh địa chỉ.",
    404: "Trang hoặc hồ sơ này không tồn tại (hoặc đã bị xoá).",
}
FALLBACK = ("Đã có lỗi xảy ra", "Something went wrong")
STYLE = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:44rem;color:#222}.detail{color:#555}"


def render_error(status: int, detail: str) -> str:
    vi, en = TITLES.get(status, FALLBACK)
    hint = EXPLAINED.get(status, "Vui lòng thử lại hoặc quay lại trang quản trị.")
    return (
        f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>{status} · {escape(vi)} · "
        f"{escape(en)}</title><style>{STYLE}</style></head><body><h1>{escape(vi)}<br><small>{escape(en)} "
        f"({status})</small></h1><p>{escape(hint)}</p><p class='detail' lang='en'>{escape(detail)}</p>"
        "<p><a href='/admin/'>← Về trang quản trị / Back to the admin</a></p></body></html>"
    )

"""The page a staff member sees when a /staff page cannot answer: what happened, in Vietnamese and
English, and the way back (``templates/error.html``)."""

from __future__ import annotations

from typing import Any

TEMPLATE = "error.html"
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


def error_context(status: int, detail: str) -> dict[str, Any]:
    vi, en = TITLES.get(status, FALLBACK)
    hint = EXPLAINED.get(status, "Vui lòng thử lại hoặc quay lại trang quản trị.")
    # No one is named as signed in: the page may answer before the staff session was read.
    return {"status": status, "vi": vi, "en": en, "hint": hint, "detail": detail, "username": None}

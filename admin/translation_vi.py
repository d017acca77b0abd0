"""Piccolo Admin's own interface in Vietnamese, the staff site's default language.

Piccolo Admin ships no Vietnamese; it takes custom translations keyed by its English text
(``piccolo_admin.translations.data.ENGLISH``). Several keys are pieces of one sentence the page
glues together, so they are worded to read right in place:

* "Đang hiển thị 15 trên 120 kết quả" (Showing · of · result(s))
* "3 kết quả được chọn ở trang 2" (selected result(s) on · page)
* "Cập nhật 3 dòng" (Update · rows), "Thêm member" / "Sửa member" (Add / Edit + the table)
* "ledger entry có cùng member" (with a matching: a table whose column points at this row)

Staff switch language with the language icon in the top bar; the browser remembers the choice.
"""

from __future__ import annotations

from piccolo_admin.translations.data import ENGLISH
from piccolo_admin.translations.models import Translation

VIETNAMESE = Translation(
    language_name="Tiếng Việt",
    language_code="vi",
    translations={
        "About": "Giới thiệu",
        "Add Row": "Thêm dòng",
        "Add": "Thêm",
        "Apply": "Áp dụng",
        "Ascending": "Tăng dần",
        "Back to home page": "Về trang chủ",
        "Back": "Quay lại",
        "Change Password": "Đổi mật khẩu",
        "Clear filters": "Xóa bộ lọc",
        "Close": "Đóng",
        "Comma": "Dấu phẩy",
        "Create": "Tạo mới",
        "Current password": "Mật khẩu hiện tại",
        "Dark Mode": "Giao diện tối",
        "Days": "Ngày",
        "Delete": "Xóa",
        "Delimiter": "Ký tự phân cách",
        "Descending": "Giảm dần",
        "Download": "Tải xuống",
        "Download failed": "Tải xuống không thành công",
        "Download successful": "Đã tải xuống",
        "Edit": "Sửa",
        "Export CSV": "Xuất CSV",
        "Filter": "Bộ lọc",
        "For timestamps which are timezone aware, they will be displayed in this timezone by default.": (
            "Thời gian có kèm múi giờ sẽ được hiển thị theo múi giờ này."
        ),
        "Form submitted": "Đã gửi biểu mẫu",
        "Forms": "Biểu mẫu",
        "Hide Filters": "Ẩn bộ lọc",
        "Hide referencing tables": "Ẩn các bảng liên quan",
        "Home": "Trang chủ",
        "Hours": "Giờ",
        "Light Mode": "Giao diện sáng",
        "Links": "Liên kết",
        "Loading": "Đang tải",
        "Log Out": "Đăng xuất",
        "Login": "Đăng nhập",
        "MFA Code": "Mã xác thực hai lớp",
        "MFA Setup": "Cài đặt xác thực hai lớp",
        "Minutes": "Phút",
        "New password confirmation": "Nhập lại mật khẩu mới",
        "New password": "Mật khẩu mới",
        "New value": "Giá trị mới",
        "No results found": "Không tìm thấy kết quả nào",
        "Note: Large data sets may take a while.": "Lưu ý: dữ liệu lớn có thể mất một lúc.",
        "Note: They are converted to UTC when stored in the database.": (
            "Lưu ý: khi lưu vào cơ sở dữ liệu, thời gian được đổi sang giờ UTC."
        ),
        "of": "trên",
        "page": "trang",
        "Password": "Mật khẩu",
        "result(s)": "kết quả",
        "rows": "dòng",
        "Save": "Lưu",
        "Seconds": "Giây",
        "Select a column to update": "Chọn cột cần cập nhật",
        "Select a Column": "Chọn một cột",
        "Select a table in the sidebar to get started.": "Chọn một bảng ở thanh bên trái để bắt đầu.",
        "selected result(s) on": "kết quả được chọn ở",
        "Semicolon": "Dấu chấm phẩy",
        "Set Timezone": "Chọn múi giờ",
        "Show Filters": "Hiện bộ lọc",
        "Show referencing tables": "Hiện các bảng liên quan",
        "Showing": "Đang hiển thị",
        "Sort by": "Sắp xếp theo",
        "Sort": "Sắp xếp",
        "Submit": "Gửi",
        "Tables": "Bảng dữ liệu",
        "Timezone": "Múi giờ",
        "Thanks for using Piccolo Admin.": "Cảm ơn bạn đã sử dụng Piccolo Admin.",
        "Update": "Cập nhật",
        "Use again": "Điền biểu mẫu khác",
        "Username": "Tên đăng nhập",
        "Version": "Phiên bản",
        "Weeks": "Tuần",
        "Welcome to": "Chào mừng bạn đến với",
        "with a matching": "có cùng",
    },
)

# Vietnamese first; English for whoever prefers it. Piccolo Admin's other languages are left out:
# nobody on the staff reads them, and a long list hides the two that matter.
TRANSLATIONS = [VIETNAMESE, ENGLISH]
DEFAULT_LANGUAGE = VIETNAMESE.language_code

"""The VIP list page: pasted numbers or a file of them (CSV or text) into a group.

Piccolo Admin 1.14 forms take no files and draw no multi-line box, so this small page does both,
under the staff session. The form carries a per-visit token that must match its cookie (double
submit), so another site cannot post a list in a signed-in staff member's name.
"""

from __future__ import annotations

from html import escape

from loyalty.campaigns import Added, GroupChoice

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:48rem}label{display:block;margin:.6rem 0}"
    "textarea{width:100%;height:12rem;font:inherit}.error{color:#a40000}.hint{color:#555;font-size:.9em}"
)
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
SHOWN = 500


def render_form(groups: list[GroupChoice], token: str, username: str, message: str = "") -> str:
    options = "".join(f"<option value='{g.id}'>{escape(g.name)}</option>" for g in groups)
    return (
        "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
        "<title>Thêm số điện thoại vào nhóm VIP · Add phone numbers to a VIP group</title>"
        f"<style>{STYLE}</style></head><body><p>Signed in as {escape(username)} · <a href='/admin/'>Admin</a></p>"
        "<h1>Thêm số điện thoại vào nhóm VIP<br><small>Add phone numbers to a VIP group</small></h1>"
        f"{message}<form method='post' enctype='multipart/form-data'>"
        f"<input type='hidden' name='token' value='{escape(token)}'>"
        f"<label>Nhóm / Group <select name='group_id'>{options}</select></label>"
        "<label>Dán số điện thoại / Paste phone numbers<textarea name='phones' placeholder='0907 654 321\n"
        "+84 91 234 5678'></textarea></label><p class='hint'>Mỗi dòng một số, hoặc cách nhau bằng dấu phẩy, "
        "chấm phẩy, khoảng trắng · One a line, or separated by commas, semicolons or spaces.</p>"
        "<label>… hoặc tệp / or a file (CSV or text, at most 2 MB) "
        "<input type='file' name='file' accept='.csv,.txt,text/*'></label>"
        "<p class='hint'>Only cells that look like phone numbers are read: a header row, names and notes are "
        "skipped. Comma, semicolon (Excel) and tab separators, UTF-8 with or without BOM.</p>"
        "<button type='submit'>Thêm vào nhóm / Add to the group</button></form></body></html>"
    )


def _list(title: str, items: list[str], *, open_: bool = True) -> str:
    if not items:
        return ""
    shown = "".join(f"<li>{escape(item)}</li>" for item in items[:SHOWN])
    more = f"<p>… and {len(items) - SHOWN} more.</p>" if len(items) > SHOWN else ""
    return f"<details{' open' if open_ else ''}><summary>{title}</summary><ul>{shown}</ul>{more}</details>"


def render_result(added: Added, *, from_file: bool) -> str:
    counts = [
        f"<strong>{added.added} added</strong>",
        f"{added.already} already in the group",
        f"{len(added.unmatched)} matched no member",
    ]
    if added.not_phones:
        count = len(added.not_phones)
        counts.append(f"{count} not a phone number" if count == 1 else f"{count} not phone numbers")
    read = ""
    if from_file:
        read = (
            f"<p class='read'>{added.rows} rows read; {len(added.skipped)} cells were not phone numbers "
            "(a header, names, notes) and were skipped.</p>"
        )
    return (
        f"<p class='result'>{', '.join(counts)}.</p>{read}"
        + _list("Numbers that matched no member", added.unmatched)
        + _list("Not phone numbers", added.not_phones)
        + _list("Cells skipped (not phone numbers)", added.skipped, open_=False)
    )

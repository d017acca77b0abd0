"""The VIP list upload page: a file of phone numbers (CSV or text, one or more a line) into a group.

Piccolo Admin 1.14 forms take no files, so this small page does, under the staff session.
The form carries a per-visit token that must match its cookie (double submit), so another site
cannot post a list in a signed-in staff member's name.
"""

from __future__ import annotations

from html import escape
from typing import Any

from loyalty.vip import Added

STYLE = "body{font-family:system-ui,sans-serif;margin:2rem;max-width:48rem}label{display:block;margin:.6rem 0}"
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def render_form(groups: list[dict[str, Any]], token: str, username: str, message: str = "") -> str:
    options = "".join(f"<option value='{g['id']}'>{escape(g['name'])}</option>" for g in groups)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Upload a VIP list</title>"
        f"<style>{STYLE}</style></head><body><p>Signed in as {escape(username)} · <a href='/admin/'>Admin</a></p>"
        f"<h1>Upload phone numbers to a VIP group</h1>{message}"
        "<form method='post' enctype='multipart/form-data'>"
        f"<input type='hidden' name='token' value='{escape(token)}'>"
        f"<label>Group <select name='group_id'>{options}</select></label>"
        "<label>File (CSV or text, at most 2 MB) <input type='file' name='file' accept='.csv,.txt,text/*'></label>"
        "<button type='submit'>Add to the group</button></form></body></html>"
    )


def render_result(added: Added) -> str:
    unmatched = "".join(f"<li>{escape(line)}</li>" for line in added.unmatched[:500])
    more = f"<p>… and {len(added.unmatched) - 500} more.</p>" if len(added.unmatched) > 500 else ""
    return (
        f"<p class='result'><strong>{added.added} added</strong>, {added.already} already in the group, "
        f"{len(added.unmatched)} matched no member.</p>"
        + (
            f"<details open><summary>Numbers that matched no member</summary><ul>{unmatched}</ul>{more}</details>"
            if added.unmatched
            else ""
        )
    )

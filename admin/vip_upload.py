"""The VIP list page (``templates/vip_upload.html``): pasted numbers or a file of them (CSV or
text) into a group.

Piccolo Admin 1.14 forms take no files and draw no multi-line box, so this small page does both,
under the staff session. The form carries a per-visit token that must match its cookie (double
submit), so another site cannot post a list in a signed-in staff member's name.
"""

from __future__ import annotations

from typing import Any

from loyalty.campaigns import Added, GroupChoice

TEMPLATE = "vip_upload.html"
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
SHOWN = 500


def form_context(
    groups: list[GroupChoice],
    token: str,
    username: str,
    *,
    error: str = "",
    added: Added | None = None,
    from_file: bool = False,
) -> dict[str, Any]:
    """The form, with the last upload's error or its result above it."""
    return {
        "groups": groups,
        "token": token,
        "username": username,
        "error": error,
        "added": added,
        "from_file": from_file,
        "shown": SHOWN,
    }

"""The per-visit token of every staff page's forms (segments, campaigns, members, cases, VIP
upload): a double submit.

A form page sets a random token in a cookie for ``/staff`` and writes the same token in the form;
a post whose token does not match its cookie is refused (403), so another site cannot make a
signed-in staff member's browser save a segment or launch a campaign. The JSON helpers that only
read (counts, previews, pickers) need none.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from litestar import Request
from litestar.response import Template

FORM_COOKIE = "staff_form_token"
FIELD = "token"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def token_for(request: Request[Any, Any, Any]) -> str:
    """The visit's token: the cookie's when it has one (several tabs keep working), else a new one."""
    current = request.cookies.get(FORM_COOKIE, "")
    return current if _TOKEN.fullmatch(current) else secrets.token_urlsafe(24)


def with_token(response: Template, token: str) -> Template:
    response.set_cookie(FORM_COOKIE, token, path="/staff", httponly=True, samesite="strict")
    return response


def token_matches(request: Request[Any, Any, Any], posted: str) -> bool:
    expected = request.cookies.get(FORM_COOKIE, "")
    return bool(expected) and secrets.compare_digest(expected.encode(), posted.encode())

"""GET/POST /staff/vip/upload: pasted numbers or a file of them into a VIP group, staff only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from admin.vip_upload import MAX_UPLOAD_BYTES, TEMPLATE, form_context
from api.staff import current_staff
from api.staff_form_token import token_for, token_matches, with_token
from api.staff_pages import error_page, page
from loyalty import campaigns
from loyalty.audit import StaffActor
from loyalty.errors import DomainError

MAX_PASTE_CHARS = 400_000
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class VipUpload:
    token: str
    group_id: int
    phones: str = ""
    file: UploadFile | None = None


@get("/staff/vip/upload", include_in_schema=False, media_type="text/html")
async def vip_upload_page(request: Request[Any, Any, Any]) -> Template:
    user = current_staff(request)
    token = token_for(request)
    return with_token(page(TEMPLATE, form_context(await campaigns.groups(), token, user.username)), token)


def _again(groups: list[campaigns.GroupChoice], token: str, username: str, problem: str, status: int) -> Template:
    return page(TEMPLATE, form_context(groups, token, username, error=problem), status_code=status)


@post("/staff/vip/upload", include_in_schema=False, media_type="text/html", status_code=200)
async def vip_upload(
    request: Request[Any, Any, Any], data: Annotated[VipUpload, Body(media_type=RequestEncodingType.MULTI_PART)]
) -> Template:
    user = current_staff(request)
    if not token_matches(request, data.token):
        return error_page(403, "This form has expired: open it again (Biểu mẫu đã hết hạn: hãy mở lại).")
    groups = await campaigns.groups()
    raw = await data.file.read(MAX_UPLOAD_BYTES + 1) if data.file is not None else b""
    if len(raw) > MAX_UPLOAD_BYTES:
        return _again(groups, data.token, user.username, "The file is larger than 2 MB.", 413)
    if len(data.phones) > MAX_PASTE_CHARS:
        return _again(groups, data.token, user.username, "Paste at most 400,000 characters at a time.", 413)
    if not raw.strip() and not data.phones.strip():
        return _again(groups, data.token, user.username, "Paste some numbers or choose a file.", 422)
    filename = CONTROL.sub("", data.file.filename if data.file is not None and raw else "")[:200]
    actor = StaffActor(user.id, user.username)
    try:
        if raw:
            text = raw.decode("utf-8-sig", errors="replace")
            added = await campaigns.add_phone_file(data.group_id, text, actor=actor, file=filename)
        else:
            added = await campaigns.add_phones(data.group_id, data.phones, actor=actor)
    except DomainError as exc:
        return _again(groups, data.token, user.username, exc.detail, 422)
    return page(TEMPLATE, form_context(groups, data.token, user.username, added=added, from_file=bool(raw)))


VIP_UPLOAD_ROUTES = [vip_upload_page, vip_upload]

"""GET /staff/members[?q=…], GET /staff/members/{id} and the member page's actions (POST), staff only.

Every route of the member pages is in this file, so one guard (a staff role) can be put on them
together. The actions are HTML forms: each carries the page's token, which must match its cookie
(double submit, as ``/staff/vip/upload``), so another site cannot post in a signed-in staff
member's name; and a per-page ``nonce`` that makes the change's reference, so a form sent twice
(a double click) changes once. A change answers 303 back to the member page (Post/Redirect/Get);
a refused one shows the page again with the reason, as a 4xx.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter, QueryParameter
from litestar.response import Redirect, Template

from admin import formats, member_page
from api.staff import current_staff
from api.staff_form_token import token_for, token_matches, with_token
from api.staff_pages import NO_STORE, page
from loyalty import campaigns, complaints, members, points, rewards
from loyalty.audit import StaffActor
from loyalty.db import MAX_ID
from loyalty.errors import DomainError
from notifications import privacy

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_CODE = re.compile(r"^[a-z0-9_]{1,40}$")  # a complaint category's code
MAX_MATCHES = 50
# A bound on one correction typed by hand: a slip of the keyboard, not a programme's worth.
MAX_ADJUST = 1_000_000  # as the admin's Adjust points form
MemberId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Query = Annotated[str | None, QueryParameter(max_length=100)]
Before = Annotated[str | None, QueryParameter(max_length=200)]
Done = Annotated[str | None, QueryParameter(max_length=20)]
Form = Body(media_type=RequestEncodingType.URL_ENCODED)
# A domain error's kind → the status of the page shown again.
STATUS = {"not_found": 404, "conflict": 409, "gone": 410, "forbidden": 403}


@get("/staff/members", include_in_schema=False, media_type="text/html")
async def member_search(request: Request[Any, Any, Any], q: Query = None) -> Template | Redirect:
    user = current_staff(request)
    if q is None:
        return page(member_page.SEARCH_TEMPLATE, member_page.search_context("", [], username=user.username))
    query = q.strip()
    if not query:
        message = "Hãy nhập số điện thoại, tên, mã thành viên hoặc mã thẻ để tìm."
        return page(
            member_page.SEARCH_TEMPLATE,
            member_page.search_context("", [], username=user.username, message=message),
            status_code=400,
        )
    matches = await members.find_members(query, MAX_MATCHES)
    if len(matches) == 1:
        return Redirect(f"/staff/members/{matches[0].id}", status_code=303, headers=NO_STORE)
    message = "" if matches else f"Không tìm thấy khách hàng nào khớp với “{query}”."
    if len(matches) == MAX_MATCHES:
        message = f"Chỉ hiện {MAX_MATCHES} khách hàng mới nhất: hãy gõ cụ thể hơn (cả số điện thoại hoặc họ tên)."
    context = member_page.search_context(query, matches, username=user.username, message=message)
    return page(member_page.SEARCH_TEMPLATE, context)


async def _member_page(
    request: Request[Any, Any, Any],
    member_id: int,
    *,
    before: str | None = None,
    done: str = "",
    error: str = "",
    status_code: int = 200,
) -> Template:
    user = current_staff(request)
    found = await members.member_profile(member_id)  # an unknown id: NotFound, the 404 page
    cursor = members.TimelineCursor.read(before) if before else None
    timeline = await members.member_timeline(member_id, before=cursor)
    token = token_for(request)
    context = member_page.member_context(
        found,
        await member_page.standing_lines(member_id),
        timeline,
        username=user.username,
        token=token,
        nonce=secrets.token_urlsafe(16),
        rewards=await rewards.reward_choices(),
        groups=await campaigns.groups(),
        categories=await complaints.categories("vi"),
        done=done,
        error=error,
        paged=cursor is not None,
    )
    return with_token(page(member_page.TEMPLATE, context, status_code=status_code), token)


@get("/staff/members/{member_id:int}", include_in_schema=False, media_type="text/html")
async def member_view(
    request: Request[Any, Any, Any], member_id: MemberId, before: Before = None, done: Done = None
) -> Template:
    return await _member_page(request, member_id, before=before, done=done or "")


@dataclass
class Signed:
    """What every action form carries (see the module's docstring)."""

    token: str = ""
    nonce: str = ""


@dataclass
class AdjustForm(Signed):
    delta: str = ""
    reason: str = ""


@dataclass
class VoucherForm(Signed):
    reward_id: str = ""


@dataclass
class VipForm(Signed):
    group_id: str = ""


@dataclass
class ComplaintForm(Signed):
    category: str = ""
    channel: str = ""
    description: str = ""


@dataclass
class EraseForm(Signed):
    confirm: str = ""


class Refused(Exception):
    """An action's input the page refuses before any domain function runs, in Vietnamese."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _checked(request: Request[Any, Any, Any], form: Signed) -> StaffActor:
    if not token_matches(request, form.token):
        raise Refused("Biểu mẫu đã hết hạn: hãy tải lại trang rồi thử lại (This form has expired).", 403)
    if not _TOKEN.match(form.nonce):
        raise Refused("Biểu mẫu không hợp lệ: hãy tải lại trang rồi thử lại.", 400)
    user = current_staff(request)
    return StaffActor(user.id, user.username)


def _whole(raw: str, what: str) -> int:
    text = raw.strip().replace(".", "").replace(" ", "")
    if not re.fullmatch(r"[+-]?\d{1,19}", text):
        raise Refused(f"{what} phải là một số nguyên.")
    return int(text)


def _row_id(raw: str, what: str) -> int:
    value = _whole(raw, what)
    if not 0 < value <= MAX_ID:
        raise Refused(f"Không tìm thấy {what.lower()} này.", 404)
    return value


async def _act(request: Request[Any, Any, Any], member_id: int, done: str, change: Any) -> Template | Redirect:
    """Run one action; 303 back to the page, or the page again with the reason."""
    try:
        await members.member_profile(member_id)  # an unknown member: the 404 page, as for GET
        result = await change()
    except Refused as exc:
        return await _member_page(request, member_id, error=exc.message, status_code=exc.status)
    except DomainError as exc:
        status = STATUS.get(exc.kind, 422)
        if status == 404 and exc.data.get("field") is None:
            raise  # the member itself: the 404 page
        return await _member_page(
            request, member_id, error=member_page.refusal(exc.code, exc.detail), status_code=status
        )
    return Redirect(f"/staff/members/{member_id}?done={result or done}", status_code=303, headers=NO_STORE)


@post("/staff/members/{member_id:int}/points", include_in_schema=False, media_type="text/html")
async def adjust_points(
    request: Request[Any, Any, Any], member_id: MemberId, data: Annotated[AdjustForm, Form]
) -> Template | Redirect:
    async def change() -> None:
        actor = _checked(request, data)
        delta = _whole(data.delta, "Số điểm")
        if delta == 0:
            raise Refused("Số điểm điều chỉnh phải khác 0.")
        if abs(delta) > MAX_ADJUST:
            raise Refused(f"Mỗi lần điều chỉnh tối đa {formats.points(MAX_ADJUST)} điểm.")
        if len(data.reason.strip()) < 3:
            raise Refused("Hãy ghi lý do (ít nhất 3 ký tự).")
        reference = f"staff-adjust:{member_id}:{data.nonce}"
        await points.adjust(member_id, delta, reason=data.reason, actor=actor, reference=reference)

    return await _act(request, member_id, "points", change)


@post("/staff/members/{member_id:int}/voucher", include_in_schema=False, media_type="text/html")
async def give_voucher(
    request: Request[Any, Any, Any], member_id: MemberId, data: Annotated[VoucherForm, Form]
) -> Template | Redirect:
    async def change() -> None:
        actor = _checked(request, data)
        reward_id = _row_id(data.reward_id, "Phần thưởng")
        reference = f"staff-voucher:{member_id}:{data.nonce}"
        await rewards.give_by_staff(member_id, reward_id, actor=actor, reference=reference)

    return await _act(request, member_id, "voucher", change)


@post("/staff/members/{member_id:int}/vip", include_in_schema=False, media_type="text/html")
async def add_to_vip_group(
    request: Request[Any, Any, Any], member_id: MemberId, data: Annotated[VipForm, Form]
) -> Template | Redirect:
    async def change() -> str:
        actor = _checked(request, data)
        group_id = _row_id(data.group_id, "Nhóm VIP")
        return "vip" if await campaigns.add_member(group_id, member_id, actor=actor) else "vip_already"

    return await _act(request, member_id, "vip", change)


@post("/staff/members/{member_id:int}/complaint", include_in_schema=False, media_type="text/html")
async def log_complaint(
    request: Request[Any, Any, Any], member_id: MemberId, data: Annotated[ComplaintForm, Form]
) -> Template | Redirect:
    async def change() -> None:
        actor = _checked(request, data)
        if not _CODE.match(data.category):
            raise Refused(member_page.refusal("unknown_category", ""))
        if data.channel not in member_page.COMPLAINT_CHANNELS:
            raise Refused("Hãy chọn khiếu nại nhận qua kênh nào.")
        if not data.description.strip():
            raise Refused("Hãy ghi nội dung khiếu nại.")
        await complaints.log_by_staff(
            actor, category=data.category, description=data.description, channel=data.channel, member_id=member_id
        )

    return await _act(request, member_id, "complaint", change)


@post("/staff/members/{member_id:int}/erase", include_in_schema=False, media_type="text/html")
async def erase_on_request(
    request: Request[Any, Any, Any], member_id: MemberId, data: Annotated[EraseForm, Form]
) -> Template | Redirect:
    async def change() -> None:
        actor = _checked(request, data)
        found = await members.member_profile(member_id)
        if found.erased_at is not None:
            raise Refused("Dữ liệu của khách hàng này đã được xoá.", 409)
        if data.confirm.strip().upper() != found.public_id:
            raise Refused(f"Gõ đúng mã thành viên {found.public_id} để xác nhận xoá.")
        await privacy.erase(member_id, actor=actor)

    return await _act(request, member_id, "erased", change)


MEMBER_PAGE_ROUTES = [
    member_search,
    member_view,
    adjust_points,
    give_voucher,
    add_to_vip_group,
    log_complaint,
    erase_on_request,
]

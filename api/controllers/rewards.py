"""/api/v1/rewards, /api/v1/me/redemptions and /api/v1/me/vouchers: the member's side of rewards."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.static_files import create_static_files_router

from admin.rewards import MEDIA_ROOT, REWARD_IMAGE_URL
from api.auth import CallingMember
from api.idempotency import run_once
from api.pagination import Cursor, Limit, decode_cursor, encode_cursor
from api.schemas import Page
from api.schemas_rewards import IssuedVoucherOut, RedemptionIn, RedemptionOut, RewardOut, VoucherOut
from loyalty import rewards

# Reward images uploaded in the admin, public like any catalogue picture.
media_files = create_static_files_router(path="/media", directories=[MEDIA_ROOT], include_in_schema=False, name="media")


def image_url(request: Request[Any, Any, Any], image: str) -> str | None:
    if not image:
        return None
    return str(request.base_url).rstrip("/") + REWARD_IMAGE_URL + quote(image)


class RewardsController(Controller):
    path = ""
    tags = ["rewards"]

    @get("/rewards", summary="Rewards this member can see now, with the stock left")
    async def list_rewards(
        self, request: Request[Any, Any, Any], member: CallingMember, limit: Limit = 20, cursor: Cursor = None
    ) -> Page[RewardOut]:
        after = decode_cursor("rw", cursor) or 0
        found = await rewards.catalogue(member.id, locale=member.locale, limit=limit + 1, after_id=after)
        items = [
            RewardOut(
                id=r.id,
                name=r.name,
                description=r.description,
                points_cost=r.points_cost,
                stock_left=r.stock_left,
                min_tier=r.min_tier,
                valid_until=r.valid_until,
                image_url=image_url(request, r.image),
                per_member_limit=r.per_member_limit,
                store=r.store_code,
                eligible=r.eligible,
            )
            for r in found[:limit]
        ]
        more = len(found) > limit
        return Page(items, encode_cursor("rw", items[-1].id) if more and items else None)

    @post("/me/redemptions", summary="Spend points on a reward for a voucher (Idempotency-Key)", status_code=201)
    async def redeem(
        self, request: Request[Any, Any, Any], member: CallingMember, data: JSONBody[RedemptionIn]
    ) -> Response[Any]:
        async def change(key: str | None) -> RedemptionOut:
            reference = f"redeem:{member.id}:{key}" if key else rewards.fresh_reference(f"redeem:{member.id}")
            done = await rewards.redeem(member.id, data.reward_id, reference=reference)
            v = done.voucher
            return RedemptionOut(IssuedVoucherOut(v.code, int(v.reward), v.status, v.valid_until), done.points_balance)

        return await run_once(request, f"me.redemptions:{member.id}", data, change)

    @get("/me/vouchers", summary="The member's vouchers, newest first")
    async def list_vouchers(self, member: CallingMember, limit: Limit = 20, cursor: Cursor = None) -> Page[VoucherOut]:
        found = await rewards.member_vouchers(
            member.id, locale=member.locale, limit=limit + 1, before_id=decode_cursor("v1", cursor)
        )
        page = found[:limit]
        items = [
            VoucherOut(v.code, v.reward_id, v.name, v.status, v.valid_until, v.redeemed_at, v.issued_at, v.source)
            for v in page
        ]
        return Page(items, encode_cursor("v1", page[-1].id) if len(found) > limit and page else None)

    @get("/me/vouchers/{code:str}/qr.svg", summary="The voucher's QR code (SVG)", media_type="image/svg+xml")
    async def voucher_qr(self, member: CallingMember, code: FromPath[str]) -> Response[bytes]:
        own = await rewards.member_voucher_code(member.id, code)
        image = qrcode.make(own, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
        out = io.BytesIO()
        image.save(out)
        return Response(out.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})

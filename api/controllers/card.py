"""/api/v1/me: the member's rotating QR card, its ledger, its signed statement and receipt claims."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from litestar import Controller, Response, get, post
from litestar.params import JSONBody

from api.auth import CallingMember
from api.pagination import Cursor, Limit, decode_cursor, encode_cursor
from api.schemas_earning import CardOut, ClaimIn, ClaimOut, ExpiringOut, LedgerEntryOut, LedgerPage
from loyalty import earning, points
from loyalty.config import PROGRAMME
from loyalty.points import statement

NO_STORE = {"Cache-Control": "no-store"}


def qr_svg(text: str) -> bytes:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    data: bytes = image.to_string(encoding="unicode").encode()
    return data


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    image: Any = qrcode.make(text, border=2, box_size=8)
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class CardController(Controller):
    path = "/me"
    tags = ["member"]

    @get("/card", summary="The rotating member code (changes every 30 s)")
    async def card(self, member: CallingMember) -> Response[CardOut]:
        code = await earning.current_code(member.id)
        return Response(CardOut(code.code, code.valid_until, code.period_s), headers=NO_STORE)

    @get("/card.svg", summary="The rotating member code as an SVG QR image", media_type="image/svg+xml")
    async def card_svg(self, member: CallingMember) -> Response[bytes]:
        code = await earning.current_code(member.id)
        return Response(qr_svg(code.code), media_type="image/svg+xml", headers=NO_STORE)

    @get("/card.png", summary="The rotating member code as a PNG QR image", media_type="image/png")
    async def card_png(self, member: CallingMember) -> Response[bytes]:
        code = await earning.current_code(member.id)
        return Response(qr_png(code.code), media_type="image/png", headers=NO_STORE)

    @get("/ledger", summary="The member's points history, newest first")
    async def ledger(
        self,
        member: CallingMember,
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> LedgerPage:
        page = await statement(member.id, limit=limit, before=decode_cursor("le", cursor))
        return LedgerPage(
            [
                LedgerEntryOut(
                    line.id,
                    line.delta,
                    line.kind,
                    line.balance_after,
                    line.created_at,
                    line.description,
                    line.reference,
                    line.shortfall,
                )
                for line in page.items
            ],
            encode_cursor("le", page.next_before) if page.next_before is not None else None,
        )

    @get(
        "/statement",
        summary="The member's whole points statement, signed (verify with GET /api/v1/ledger/public-key)",
    )
    async def signed_statement(self, member: CallingMember) -> Response[dict[str, Any]]:
        document = await points.signed_statement(member.id)
        download = f'attachment; filename="statement-{member.public_id}.json"'
        return Response(document, headers={**NO_STORE, "Content-Disposition": download})

    @get("/points/expiring", summary="Points that expire in the next 30 days (EXPIRING_SOON_DAYS)")
    async def expiring(self, member: CallingMember) -> ExpiringOut:
        days = PROGRAMME.expiring_soon_days
        return ExpiringOut(await points.points_expiring(member.id, within_days=days), days)

    @post("/claims", status_code=201, summary="Claim a receipt's points with the code printed on it")
    async def claim(self, member: CallingMember, data: JSONBody[ClaimIn]) -> ClaimOut:
        done = await earning.claim(member.id, data.code)
        return ClaimOut(done.points_earned, done.points_balance, done.receipt_no, done.store)

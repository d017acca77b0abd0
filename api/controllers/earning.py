"""/api/v1/pos: enrolling by phone, earning at the till, receipt claim codes and refunds (always the
till's own store)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from api.auth import CallingTill
from api.controllers.card import qr_svg
from api.idempotency import run_once
from api.schemas_earning import (
    EarnIn,
    EarnMemberOut,
    EarnOut,
    ItemIn,
    ReceiptClaimOut,
    ReceiptIn,
    RefundIn,
    RefundOut,
    RuleAppliedOut,
    TillEnrolIn,
    TillMemberOut,
)
from loyalty import earning, members


def _items(items: list[ItemIn]) -> list[earning.Item]:
    return [earning.Item(sku=i.sku, amount=i.amount, quantity=i.quantity, category=i.category) for i in items]


def _store_id(terminal: CallingTill) -> int:
    store = terminal.store
    return int(getattr(store, "id", store))


def earn_out(earn: earning.TillEarn) -> EarnOut:
    member = earn.member
    return EarnOut(
        EarnMemberOut(member.id, member.name, member.tier),
        earn.points_earned,
        earn.points_balance,
        [RuleAppliedOut(a.kind, a.name, a.rule_id, a.multiplier_pct, a.bonus_points) for a in earn.rules_applied],
        earn.receipt_no,
        earn.store,
    )


def _claim_out(code: str, valid_until: Any) -> ReceiptClaimOut:
    return ReceiptClaimOut(code, valid_until, f"/api/v1/pos/receipts/{code}/qr.svg")


class EarningController(Controller):
    path = "/pos"
    tags = ["till"]

    @post(
        "/earn",
        status_code=201,
        summary="Award a receipt's points to the member whose QR was scanned",
        description="Idempotent on (store, receipt_no): the same body again answers the first answer with 200.",
    )
    async def earn(self, terminal: CallingTill, data: JSONBody[EarnIn]) -> Response[EarnOut]:
        outcome = await earning.earn_at_till(
            store_id=_store_id(terminal),
            terminal_id=terminal.id,
            member_code=data.member_code,
            phone=data.phone,
            receipt_no=data.receipt_no,
            amount=data.amount,
            items=_items(data.items),
            store_code=getattr(terminal.store, "code", None),
        )
        return Response(earn_out(outcome.earn), status_code=201 if outcome.created else 200)

    @post(
        "/members",
        status_code=201,
        summary="Enrol a customer by phone number at the counter (the same number again: that member, 200)",
    )
    async def enrol(self, terminal: CallingTill, data: JSONBody[TillEnrolIn]) -> Response[TillMemberOut]:
        member = await members.enrol_at_till(
            data.phone, data.name, terminal_id=terminal.id, store_code=str(getattr(terminal.store, "code", ""))
        )
        out = TillMemberOut(member.public_id, member.name, member.tier, member.points_balance, member.has_app)
        return Response(out, status_code=201 if member.created else 200)

    @post("/receipts", status_code=201, summary="A one-time claim code to print on a receipt")
    async def receipt(self, terminal: CallingTill, data: JSONBody[ReceiptIn]) -> ReceiptClaimOut:
        claim = await earning.create_claim(
            store_id=_store_id(terminal),
            terminal_id=terminal.id,
            receipt_no=data.receipt_no,
            amount=data.amount,
            items=_items(data.items),
        )
        return _claim_out(claim.code, claim.valid_until)

    @get("/receipts/{code:str}/qr.svg", summary="The claim code's QR, for printing", media_type="image/svg+xml")
    async def receipt_qr(self, terminal: CallingTill, code: FromPath[str]) -> Response[bytes]:
        claim = await earning.claim_of_store(code, _store_id(terminal))
        return Response(qr_svg(claim.code), media_type="image/svg+xml")

    @post("/refunds", status_code=201, summary="Reverse a receipt's points in proportion to the refund")
    async def refund(
        self, request: Request[Any, Any, Any], terminal: CallingTill, data: JSONBody[RefundIn]
    ) -> Response[Any]:
        store_id = _store_id(terminal)

        async def change(_: str | None) -> RefundOut:
            done = await earning.refund(
                store_id=store_id, terminal_id=terminal.id, receipt_no=data.receipt_no, amount=data.amount
            )
            return RefundOut(done.points_reversed, done.shortfall, done.refunded_total)

        return await run_once(request, f"pos.refunds:{store_id}", data, change)

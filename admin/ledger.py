"""Staff views of the points ledger: entries, lots, purchases and claims read-only; earning
rules editable; "Adjust points" and "Expire due points now" forms (both through loyalty.points,
audit-logged with the staff user)."""

from __future__ import annotations

from typing import Any

from piccolo_admin.endpoints import FormConfig, TableConfig
from pydantic import Field
from starlette.exceptions import HTTPException
from starlette.requests import Request

from admin.forms import StaffForm, find_member, shows_domain_errors, staff_actor
from loyalty import points
from loyalty.earning import KINDS
from loyalty.errors import InvalidInput
from loyalty.schema import EarningRule, LedgerEntry, PointLot, Purchase, ReceiptClaim

entries = TableConfig(
    LedgerEntry,
    visible_columns=[
        LedgerEntry.id,
        LedgerEntry.member,
        LedgerEntry.delta,
        LedgerEntry.kind,
        LedgerEntry.balance_after,
        LedgerEntry.shortfall,
        LedgerEntry.reference,
        LedgerEntry.description,
        LedgerEntry.store,
        LedgerEntry.staff,
        LedgerEntry.created_at,
    ],
    visible_filters=[LedgerEntry.member, LedgerEntry.kind, LedgerEntry.reference, LedgerEntry.store],
    menu_group="Points",
)
lots = TableConfig(PointLot, visible_filters=[PointLot.member, PointLot.expires_at], menu_group="Points")
purchases = TableConfig(
    Purchase,
    exclude_visible_columns=[Purchase.request_hash, Purchase.answer],
    visible_filters=[Purchase.store, Purchase.receipt_no, Purchase.member, Purchase.channel, Purchase.created_at],
    menu_group="Points",
)
receipt_claims = TableConfig(
    ReceiptClaim,
    exclude_visible_columns=[ReceiptClaim.request_hash, ReceiptClaim.items],
    visible_filters=[ReceiptClaim.store, ReceiptClaim.receipt_no, ReceiptClaim.code, ReceiptClaim.claimed_by],
    menu_group="Points",
)


async def _known_kind(piccolo_crud: Any, request: Request) -> None:
    body = await request.json()
    if isinstance(body, dict) and "kind" in body and body["kind"] not in KINDS:
        raise HTTPException(status_code=400, detail=f"kind must be one of {', '.join(KINDS)}")


def _rule_validators() -> Any:
    from piccolo_api.crud.validators import Validators

    return Validators(post_single=[_known_kind], put_single=[_known_kind], patch_single=[_known_kind])


earning_rules = TableConfig(
    EarningRule,
    exclude_visible_columns=[EarningRule.id],
    visible_filters=[EarningRule.kind, EarningRule.active, EarningRule.store],
    menu_group="Points",
    link_column=EarningRule.name,
    validators=_rule_validators(),
)


class AdjustPoints(StaffForm):
    member: str = Field(min_length=3, max_length=40, description="The member's phone number or public id (TT…)")
    points: int = Field(ge=-1_000_000, le=1_000_000, description="Points to add (positive) or remove (negative)")
    reason: str = Field(min_length=3, max_length=500, description="Why: kept in the ledger and the audit log")


class ExpireNow(StaffForm):
    confirm: bool = Field(description="Expire every lot whose date has passed, now")


@shows_domain_errors
async def adjust_points(request: Request, data: AdjustPoints) -> str:
    member_id = await find_member(data.member)
    posting = await points.adjust(member_id, data.points, reason=data.reason, actor=staff_actor(request))
    return f"Adjusted member {data.member} by {posting.delta:+d} points; balance now {posting.balance_after}."


@shows_domain_errors
async def expire_now(request: Request, data: ExpireNow) -> str:
    if not data.confirm:
        raise InvalidInput("tick confirm to run the expiry")
    expired = await points.expire_due(actor=staff_actor(request))
    return f"{expired} lot(s) expired."


TABLES = [entries, lots, purchases, receipt_claims, earning_rules]
FORMS = [
    FormConfig(
        name="Adjust points",
        pydantic_model=AdjustPoints,
        endpoint=adjust_points,
        description="Add or remove points with a reason; written to the ledger and the audit log.",
        form_group="Points",
    ),
    FormConfig(
        name="Expire due points now",
        pydantic_model=ExpireNow,
        endpoint=expire_now,
        description="Runs the points-expiry job at once (it also runs every 10 minutes in the worker).",
        form_group="Points",
    ),
]

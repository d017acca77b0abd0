"""A member's own data: export everything the programme stores about it; erase on request.

Rules: erasure pseudonymises and never deletes the programme's books. The member row stays
(the ledger points at it) with its profile blanked, its phone, e-mail and Firebase uid cleared
(the same person may sign up again as a new member) and a new card secret (old QR codes die).
Ledger entries, lots, purchases and vouchers are kept; texts that can hold personal data
(complaint descriptions, messages, photos, event payloads, stored idempotent answers) are
removed, and so are the Firebase uids in the audit rows of its sign-in moves (the row stays,
saying that a move happened). Erasure is one transaction and safe to repeat.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pyotp

from loyalty import audit
from loyalty.db import MAX_ID, write_transaction
from loyalty.errors import NotFound
from loyalty.members import UID_MOVED
from loyalty.schema import (
    AuditLog,
    Complaint,
    ComplaintEvent,
    ComplaintPhoto,
    DomainEvent,
    IdempotencyRecord,
    LedgerEntry,
    Member,
    MemberStats,
    PointLot,
    Purchase,
    ReceiptClaim,
    TierChange,
    VipMember,
    Voucher,
)

ERASED_TEXT = "[erased]"
PROFILE_FIELDS = (
    Member.public_id,
    Member.phone,
    Member.name,
    Member.email,
    Member.birthday,
    Member.gender,
    Member.locale,
    Member.address,
    Member.city,
    Member.timezone,
    Member.points_balance,
    Member.created_at,
    Member.updated_at,
    Member.tier_since,
)


async def export_member(member_id: int) -> dict[str, Any]:
    """Everything stored about the member in the loyalty programme, as plain JSON values.

    A dict and not a typed result: the export is a JSON document of the tables' own rows by
    definition (``GET /me/export`` answers it as it is, with the notifications side's sections
    added), so a class per row would restate the schema and drift from it."""
    profile = (
        await Member.select(*PROFILE_FIELDS, Member.tier.code.as_alias("tier")).where(Member.id == member_id).first()
    )
    if profile is None:
        raise NotFound(f"member {member_id} not found")
    complaints = (
        await Complaint.select(
            Complaint.id,
            Complaint.reference,
            Complaint.category.code.as_alias("category"),
            Complaint.status,
            Complaint.channel,
            Complaint.description,
            Complaint.created_at,
            Complaint.resolved_at,
            Complaint.rating_score,
            Complaint.rating_comment,
        )
        .where(Complaint.member == member_id)
        .order_by(Complaint.id)
    )
    case_ids = [c["id"] for c in complaints]
    timeline = (
        await ComplaintEvent.select(
            ComplaintEvent.complaint,
            ComplaintEvent.kind,
            ComplaintEvent.author_kind,
            ComplaintEvent.body,
            ComplaintEvent.created_at,
        )
        .where(ComplaintEvent.complaint.is_in(case_ids) & (ComplaintEvent.visible == True))  # noqa: E712
        .order_by(ComplaintEvent.id)
        if case_ids
        else []
    )
    for case in complaints:
        case["timeline"] = [_without(e, "complaint") for e in timeline if e["complaint"] == case["id"]]
    return plain(
        {
            "profile": profile,
            "tier_history": await TierChange.select(
                TierChange.from_tier.code.as_alias("from_tier"),
                TierChange.to_tier.code.as_alias("to_tier"),
                TierChange.reason,
                TierChange.created_at,
            )
            .where(TierChange.member == member_id)
            .order_by(TierChange.id),
            "ledger": await LedgerEntry.select(
                LedgerEntry.id,
                LedgerEntry.delta,
                LedgerEntry.kind,
                LedgerEntry.balance_after,
                LedgerEntry.shortfall,
                LedgerEntry.description,
                LedgerEntry.reference,
                LedgerEntry.created_at,
            )
            .where(LedgerEntry.member == member_id)
            .order_by(LedgerEntry.id),
            "point_lots": await PointLot.select(
                PointLot.points, PointLot.points_left, PointLot.expires_at, PointLot.created_at
            )
            .where(PointLot.member == member_id)
            .order_by(PointLot.id),
            "purchases": await Purchase.select(
                Purchase.store.code.as_alias("store"),
                Purchase.receipt_no,
                Purchase.channel,
                Purchase.amount,
                Purchase.refunded_amount,
                Purchase.points_earned,
                Purchase.points_reversed,
                Purchase.created_at,
            )
            .where(Purchase.member == member_id)
            .order_by(Purchase.id),
            "receipt_claims": await ReceiptClaim.select(
                ReceiptClaim.store.code.as_alias("store"),
                ReceiptClaim.receipt_no,
                ReceiptClaim.amount,
                ReceiptClaim.claimed_at,
            )
            .where(ReceiptClaim.claimed_by == member_id)
            .order_by(ReceiptClaim.id),
            "vouchers": await Voucher.select(
                Voucher.code,
                Voucher.reward.name_vi.as_alias("reward"),
                Voucher.status,
                Voucher.source,
                Voucher.points_paid,
                Voucher.issued_at,
                Voucher.valid_until,
                Voucher.redeemed_at,
            )
            .where(Voucher.member == member_id)
            .order_by(Voucher.id),
            "vip_groups": await VipMember.select(VipMember.group.name.as_alias("group"), VipMember.added_at).where(
                VipMember.member == member_id
            ),
            "statistics": await MemberStats.select().where(MemberStats.member == member_id).first(),
            "complaints": complaints,
        }
    )


async def erase_member(member_id: int, *, now: datetime | None = None, actor: audit.StaffActor | None = None) -> None:
    """Pseudonymise the member and remove personal texts; keep the books (see module rules).

    ``actor`` is the staff member who erased it on the customer's request; without one the member
    asked for it itself (``DELETE /me``). Either way the audit row names who did it."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        found = (
            await Member.select(Member.id).where(Member.id == member_id).first() if 0 < member_id <= MAX_ID else None
        )
        if found is None:
            raise NotFound(f"member {member_id} not found")
        await Member.update(
            {
                Member.firebase_uid: None,
                Member.phone: None,
                Member.email: None,
                Member.name: "",
                Member.birthday: None,
                Member.gender: None,
                Member.address: "",
                Member.city: "",
                Member.card_secret: pyotp.random_base32(),
                Member.updated_at: now,
                Member.erased_at: now,
            }
        ).where(Member.id == member_id)
        cases = Complaint.select(Complaint.id).where(Complaint.member == member_id)
        await ComplaintPhoto.delete().where(ComplaintPhoto.complaint.is_in(cases))
        await ComplaintEvent.update({ComplaintEvent.body: ERASED_TEXT, ComplaintEvent.data: {}}).where(
            ComplaintEvent.complaint.is_in(cases) & (ComplaintEvent.author_kind == "member")
        )
        await Complaint.update(
            {
                Complaint.description: ERASED_TEXT,
                Complaint.customer_name: "",
                Complaint.customer_contact: "",
                Complaint.rating_comment: "",
            }
        ).where(Complaint.member == member_id)
        await VipMember.delete().where(VipMember.member == member_id)
        await DomainEvent.update({DomainEvent.payload: {}}).where(DomainEvent.member == member_id)
        # Stored answers of the member's own writes (scopes end in, or carry, ":<member id>").
        await IdempotencyRecord.delete().where(
            IdempotencyRecord.scope.like(f"%:{member_id}") | IdempotencyRecord.scope.like(f"%:{member_id}:%")
        )
        await AuditLog.update({AuditLog.detail: {"erased": True}}).where(
            (AuditLog.action == UID_MOVED) & (AuditLog.target == "member") & (AuditLog.target_id == str(member_id))
        )
        await audit.record(actor or audit.StaffActor(None, "member"), "member.erase", "member", member_id)


def _without(row: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != key}


def plain(data: dict[str, Any]) -> dict[str, Any]:
    """Dates as RFC 3339 strings, so the export is plain JSON."""
    decoded: dict[str, Any] = json.loads(json.dumps(data, default=_encode))
    return decoded


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)

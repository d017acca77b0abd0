"""/api/v1/me: the signed-in member's own profile."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from litestar import Controller, delete, get, patch
from litestar.params import JSONBody

from api.auth import CallingMember
from api.schemas import MeOut, NextTierOut, ProfilePatch, TierOut
from loyalty import members, tiers
from loyalty.schema import Member
from notifications import privacy


async def me_out(member: Member) -> MeOut:
    standing = await tiers.standing(member)
    tier = standing.tier
    following = standing.next_tier
    name = "name_en" if member.locale == "en" else "name_vi"
    return MeOut(
        id=member.public_id,
        phone=member.phone,
        name=member.name,
        email=member.email,
        birthday=member.birthday,
        gender=member.gender,
        locale=member.locale,
        address=member.address,
        city=member.city,
        points_balance=member.points_balance,
        tier=TierOut(tier.code, getattr(tier, name), tier.earn_multiplier_pct / 100, tier.earn_multiplier_pct)
        if tier
        else None,
        next_tier=NextTierOut(following.code, getattr(following, name), standing.points_needed or 0)
        if following
        else None,
        member_since=member.created_at,
        preferred_channel=member.preferred_channel,
    )


class MeController(Controller):
    path = "/me"
    tags = ["member"]

    @get("", summary="The signed-in member (created on the first call)")
    async def get_me(self, member: CallingMember) -> MeOut:
        return await me_out(member)

    @patch("", summary="Change the member's own profile")
    async def patch_me(self, member: CallingMember, data: JSONBody[ProfilePatch]) -> MeOut:
        raw = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        changes = members.validate_profile(raw, today=date.today())
        updated = await members.update_profile(member.id, changes)
        return await me_out(updated)

    @get("/export", summary="Everything stored about the signed-in member, as JSON")
    async def export(self, member: CallingMember) -> dict[str, Any]:
        return await privacy.export(member.id)

    @delete("", status_code=202, summary="Erase the member (pseudonymised; the points ledger is kept)")
    async def erase(self, member: CallingMember) -> dict[str, str]:
        await privacy.erase(member.id)
        return {"status": "erased"}

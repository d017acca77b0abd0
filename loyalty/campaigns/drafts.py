"""A campaign as staff are still typing it: its audience now, the message cost and its words.

Rules:

* The fields are checked whole by :func:`loyalty.campaigns.fields.validate` first (an
  ``InvalidInput`` naming the field while they do not pass); nothing is written.
* The audience and the cost are those the saved campaign would have now (``audience_of``,
  ``message_cost.estimate``: one occurrence, an SMS counted as one part), so what staff see before
  Save is what the launch's budget check will count.
* The words are filled by the same rendering as the members' messages (``messages.gift_texts``),
  for a member staff choose to show (the first of the audience, say) and a sample voucher code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from loyalty import db
from loyalty.campaigns.audience import audience_of
from loyalty.campaigns.fields import TEXTS, GiftKind, StoredCampaign, validate
from loyalty.campaigns.gifts import GiftSpec
from loyalty.campaigns.message_cost import CostEstimate, estimate
from loyalty.campaigns.messages import gift_texts
from loyalty.schema import CampaignStatus, Reward
from loyalty.settings import MESSAGE_PRICES, MessagePrices


@dataclass(frozen=True, slots=True)
class DraftPreview:
    audience: int
    first_member_name: str | None  # the lowest id of the audience: a real member to show the words for
    cost: CostEstimate


async def preview_draft(
    values: Mapping[str, Any], *, prices: MessagePrices = MESSAGE_PRICES, now: datetime | None = None
) -> DraftPreview:
    """The audience and message cost of the campaign these fields would make (checked first)."""
    clean = await validate(values)
    audience = await audience_of(clean, now=now or datetime.now(UTC))
    counted = await db.fetchrow(
        f"SELECT COUNT(*) AS n, MIN(m.id) AS first FROM {audience.from_clause} WHERE {audience.where}",
        *audience.args,
    )
    assert counted is not None  # an aggregate always has its row
    name = None
    if counted["first"] is not None:
        first = await db.fetchrow("SELECT name FROM member WHERE id = $1", counted["first"])
        name = str(first["name"]) if first and first["name"] else None
    cost = await estimate(StoredCampaign(**clean.values(), id=0, status=CampaignStatus.DRAFT), prices=prices, now=now)
    return DraftPreview(int(counted["n"]), name, cost)


async def draft_texts(values: Mapping[str, Any], member_name: str, voucher_code: str = "") -> dict[str, str]:
    """The title and body in both languages as ``member_name`` would read them (fields unchecked:
    a placeholder that is not one is left as typed)."""
    reward = values.get("reward")
    names = {"vi": "", "en": ""}
    if isinstance(reward, int) and not isinstance(reward, bool):
        row = await Reward.select(Reward.name_vi, Reward.name_en).where(Reward.id == reward).first()
        if row:
            names = {"vi": str(row["name_vi"]), "en": str(row["name_en"])}
    points = values.get("gift_points")
    voucher = values.get("gift_kind") == GiftKind.VOUCHER
    spec = GiftSpec(
        campaign_id=0,
        name=str(values.get("name") or ""),
        gift_kind=GiftKind.VOUCHER if voucher else GiftKind.POINTS,
        points=points if isinstance(points, int) and not isinstance(points, bool) else 0,
        reward_id=reward if isinstance(reward, int) else None,
        valid_days=None,
        texts={k: str(values.get(k) or "") for k in TEXTS},
        reward_names=names,
    )
    return gift_texts(spec, member_name, voucher_code if voucher else "")

"""What the campaign form shows before Save and Launch: the message as a member reads it, its SMS
parts, the audience now and the estimated message cost per channel.

The words are filled by the domain's own rendering (``loyalty.campaigns.messages.gift_texts``)
for the first member of the audience (or a sample name when there is none yet); the SMS text is
the one the SMS channel would send (``notifications.channels``: its template, diacritics stripped
unless SMS_UNICODE) and its part count. The audience and the cost come from the domain
(``audience_of``, ``message_cost.estimate``) for the fields as typed, checked first by
``validate``: while they do not pass, the preview says why instead of a count. The estimate
counts an SMS as one part, as the launch's budget check does; the page shows the parts beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from admin.campaign_form import CHANNEL_LABELS, not_saved
from loyalty import db
from loyalty.campaigns.audience import audience_of
from loyalty.campaigns.fields import GiftKind, StoredCampaign, validate
from loyalty.campaigns.gifts import GiftSpec
from loyalty.campaigns.message_cost import estimate
from loyalty.campaigns.messages import gift_texts
from loyalty.errors import DomainError
from loyalty.schema import CampaignStatus, Reward
from notifications.channels import TooLong
from notifications.channels.base import Outgoing
from notifications.channels.sms_text import prepare
from notifications.channels.templates import sms_text
from notifications.config import NotifySettings

SAMPLE_NAME = "Nguyễn Thị Lan"
SAMPLE_CODE = "QUA-7K3M9P"
SMS = NotifySettings.from_env()


async def _reward_names(reward: Any) -> dict[str, str]:
    if not isinstance(reward, int):
        return {"vi": "", "en": ""}
    row = await Reward.select(Reward.name_vi, Reward.name_en).where(Reward.id == reward).first()
    return {"vi": row["name_vi"], "en": row["name_en"]} if row else {"vi": "", "en": ""}


def _sms(locale: str, title: str, body: str) -> dict[str, Any]:
    outgoing = Outgoing(0, "", "campaign_gift", locale, "marketing", title, body)
    try:
        text, parts = prepare(sms_text(outgoing), unicode=SMS.sms_unicode, max_parts=SMS.sms_max_parts)
    except TooLong as exc:
        return {"text": "", "parts": None, "too_long": str(exc)}
    return {"text": text, "parts": parts.parts, "encoding": parts.encoding, "too_long": ""}


async def preview(values: Mapping[str, Any]) -> dict[str, Any]:
    """The preview of the campaign as typed (``admin.campaign_form.campaign_values``)."""
    answer: dict[str, Any] = {"audience": None, "cost": None, "error": ""}
    sample = SAMPLE_NAME
    try:
        clean = await validate(values)
    except DomainError as exc:
        answer["error"] = not_saved(exc).replace("Chưa lưu", "Chưa xem trước được / no preview yet", 1)
        clean = None
    if clean is not None:
        audience = await audience_of(clean, now=datetime.now(UTC))
        counted = await db.fetchrow(
            f"SELECT COUNT(*) AS n, MIN(m.id) AS first FROM {audience.from_clause} WHERE {audience.where}",
            *audience.args,
        )
        assert counted is not None  # an aggregate always has its row
        answer["audience"] = int(counted["n"])
        if counted["first"] is not None:
            first = await db.fetchrow("SELECT name FROM member WHERE id = $1", counted["first"])
            sample = str(first["name"]) if first and first["name"] else sample
        found = await estimate(StoredCampaign(**clean.values(), id=0, status=CampaignStatus.DRAFT))
        answer["cost"] = {
            "channels": [
                {"channel": c, "label": CHANNEL_LABELS[c], "members": n, "vnd": found.vnd[c]}
                for c, n in found.members.items()
            ],
            "total_vnd": found.total_vnd,
            "budget_vnd": found.budget_vnd,
            "unreached": found.unreached,
        }
    gift = values.get("gift_kind")
    points = values.get("gift_points")
    spec = GiftSpec(
        campaign_id=0,
        name=str(values.get("name") or "") or "Chiến dịch",
        gift_kind=GiftKind.VOUCHER if gift == GiftKind.VOUCHER else GiftKind.POINTS,
        points=points if isinstance(points, int) else 0,
        reward_id=None,
        valid_days=None,
        texts={k: str(values.get(k) or "") for k in ("title_vi", "title_en", "message_vi", "message_en")},
        reward_names=await _reward_names(values.get("reward")),
    )
    texts = gift_texts(spec, sample, SAMPLE_CODE if spec.gift_kind == GiftKind.VOUCHER else "")
    answer["sample_name"] = sample
    answer["texts"] = texts
    answer["sms"] = {locale: _sms(locale, texts[f"title_{locale}"], texts[f"body_{locale}"]) for locale in ("vi", "en")}
    return answer

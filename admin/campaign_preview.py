"""What the campaign form shows before Save and Launch: the message as a member reads it, its SMS
parts, the audience now and the estimated message cost per channel.

The audience, the cost and the words come from the domain (``loyalty.campaigns.preview_draft``,
``draft_texts``: the same rendering as the members' messages) for the first member of the
audience, or a sample name while there is none; while the fields do not pass the domain's checks
the preview says why instead of a count. The SMS text is the one the SMS channel would send
(``notifications.channels``: its template, diacritics stripped unless SMS_UNICODE) with its part
count; the estimate counts an SMS as one part, as the launch's budget check does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from admin.campaign_form import CHANNEL_LABELS, not_saved
from loyalty import campaigns
from loyalty.errors import DomainError
from notifications.channels import TooLong
from notifications.channels.base import Outgoing
from notifications.channels.sms_text import prepare
from notifications.channels.templates import sms_text
from notifications.config import NotifySettings

SAMPLE_NAME = "Nguyễn Thị Lan"
SAMPLE_CODE = "QUA-7K3M9P"
SMS = NotifySettings.from_env()


def _sms(locale: str, title: str, body: str) -> dict[str, Any]:
    outgoing = Outgoing(0, "", "campaign_gift", locale, "marketing", title, body)
    try:
        text, parts = prepare(sms_text(outgoing), unicode=SMS.sms_unicode, max_parts=SMS.sms_max_parts)
    except TooLong as exc:
        return {"text": "", "parts": None, "encoding": "", "too_long": str(exc)}
    return {"text": text, "parts": parts.parts, "encoding": parts.encoding, "too_long": ""}


async def preview(values: Mapping[str, Any]) -> dict[str, Any]:
    """The preview of the campaign as typed (``admin.campaign_form.campaign_values``), as JSON."""
    answer: dict[str, Any] = {"audience": None, "cost": None, "error": ""}
    sample = SAMPLE_NAME
    try:
        found = await campaigns.preview_draft(values)
    except DomainError as exc:
        answer["error"] = not_saved(exc).replace("Chưa lưu", "Chưa xem trước được / no preview yet", 1)
    else:
        sample = found.first_member_name or sample
        answer["audience"] = found.audience
        answer["cost"] = {
            "channels": [
                {"channel": c, "label": CHANNEL_LABELS[c], "members": n, "vnd": found.cost.vnd[c]}
                for c, n in found.cost.members.items()
            ],
            "total_vnd": found.cost.total_vnd,
            "budget_vnd": found.cost.budget_vnd,
            "unreached": found.cost.unreached,
        }
    texts = await campaigns.draft_texts(values, sample, SAMPLE_CODE)
    answer["sample_name"] = sample
    answer["texts"] = texts
    answer["sms"] = {locale: _sms(locale, texts[f"title_{locale}"], texts[f"body_{locale}"]) for locale in ("vi", "en")}
    return answer

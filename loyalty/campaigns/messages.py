"""The campaign's words for each member, and the events that carry them to the notifications side.

Rules:

* Titles and messages are ``string.Template`` texts filled from a fixed mapping only (``$name``,
  ``$points``, ``$reward``, ``$campaign``, ``$code``): no attribute or index lookups. A member
  without a name is "bạn" / "there"; points are written the way each language groups digits.
* A voucher gift is reported by one ``campaign_gift`` event with its code; points gifts by one
  ``campaign_gifts`` event per batch (:func:`batch_payload`), which names the batch's gifts and
  carries the campaign's words as they were when given. The notifications side writes each
  member's message from it with :class:`GiftBatch`, in the member's locale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from string import Template
from typing import Any

from loyalty.campaigns.fields import GiftKind
from loyalty.campaigns.gifts import GiftSpec
from loyalty.points import Holder


def render(template: str, values: dict[str, str]) -> str:
    """``$name``-style placeholders from a fixed mapping only (no attribute or index lookups)."""
    return Template(template).safe_substitute(values)


def gift_texts(spec: GiftSpec, name: str | None, voucher_code: str = "") -> dict[str, str]:
    """The title and body, in both languages, of one member's gift message."""
    out = {}
    for locale in ("vi", "en"):
        values = {
            "name": (name or "").strip()[:100] or ("bạn" if locale == "vi" else "there"),
            "points": f"{spec.points:,}".replace(",", "." if locale == "vi" else ","),
            "reward": spec.reward_names.get(locale, ""),
            "campaign": spec.name,
            "code": voucher_code,
        }
        out[f"title_{locale}"] = render(spec.texts[f"title_{locale}"], values)
        out[f"body_{locale}"] = render(spec.texts[f"message_{locale}"], values)
    return out


def batch_payload(spec: GiftSpec, occurrence: str, gifts: tuple[int, int], given: Sequence[Holder]) -> dict[str, Any]:
    """The ``campaign_gifts`` event (its JSON payload): one per batch. Its gifts are the occurrence's
    gifts with ids in ``first_gift``…``last_gift`` and members in ``first_member``…``last_member``
    (both ranges: on PostgreSQL two lanes' batches draw gift ids from the sequence at the same
    time)."""
    return {
        "campaign_id": spec.campaign_id,
        "campaign": spec.name,
        "occurrence": occurrence,
        "first_gift": gifts[0],
        "last_gift": gifts[1],
        "first_member": given[0].id,
        "last_member": given[-1].id,
        "points": spec.points,
        "texts": spec.texts,
        "reward_names": spec.reward_names,
    }


class GiftBatch:
    """A ``campaign_gifts`` event's payload, read once; :meth:`message` gives each member's
    ``campaign_gift`` message payload (the campaign's words with the member's name)."""

    def __init__(self, batch: Mapping[str, Any]) -> None:
        self.occurrence = str(batch["occurrence"])
        self.first_gift, self.last_gift = int(batch["first_gift"]), int(batch["last_gift"])
        self.first_member, self.last_member = int(batch["first_member"]), int(batch["last_member"])
        self.spec = GiftSpec(
            campaign_id=int(batch["campaign_id"]),
            name=str(batch["campaign"]),
            gift_kind=GiftKind.POINTS,
            points=int(batch["points"]),
            reward_id=None,
            valid_days=None,
            texts={k: str(v) for k, v in dict(batch["texts"]).items()},
            reward_names={k: str(v) for k, v in dict(batch.get("reward_names") or {}).items()},
        )

    def message(self, gift_id: int, name: str | None, balance: int | None) -> dict[str, Any]:
        """The message payload of one gift of the batch (JSON, stored with the member's message)."""
        payload: dict[str, Any] = {
            "campaign_id": self.spec.campaign_id,
            "campaign": self.spec.name,
            "occurrence": self.occurrence,
            "gift_id": gift_id,
            "points": self.spec.points,
        }
        if balance is not None:
            payload["balance"] = balance
        payload.update(gift_texts(self.spec, name))
        return payload

"""What every channel's sender speaks: one message to one address in, one outcome out.

Rules:

* A channel is push (the app), Zalo (ZNS template messages to a phone number), SMS (brand-name
  SMS through a Vietnamese gateway) or e-mail (SMTP). A channel without its settings is off:
  no sender exists for it, and routing never picks it.
* A sender is given a batch of :class:`Outgoing` and answers one :class:`Sent` per item, in any
  order, never raising for one bad item: an invalid address, a rejected template or an exhausted
  quota is that item's status. Network trouble and the provider's 429/5xx are ``retry`` (with
  the provider's Retry-After when it gives one); a token that expired is refreshed and the call
  retried by the sender itself.
* Each outcome carries what the message cost in đồng (SMS by part, ZNS per message, push and
  e-mail zero unless configured), so every delivery records its channel and its cost; and
  :meth:`ChannelSender.estimate_vnd` tells the same cost before sending (a campaign's preview).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol


class Channel(StrEnum):
    PUSH = "push"
    ZALO = "zalo"
    SMS = "sms"
    EMAIL = "email"


class SendStatus(StrEnum):
    SENT = "sent"  # accepted by the provider; a delivery receipt may follow
    RETRY = "retry"  # try again later (network, 429, 5xx)
    INVALID_ADDRESS = "invalid_address"  # the phone or e-mail cannot receive on this channel
    REJECTED = "rejected"  # the provider refused the content (template, length, brand name)
    OVER_QUOTA = "over_quota"  # the account's daily quota or balance is used up
    FAILED = "failed"  # anything else final


@dataclass(frozen=True)
class Outgoing:
    """One message to one address on one channel, already rendered in the member's locale."""

    delivery_id: int
    address: str  # E.164 phone for Zalo and SMS, an e-mail address for e-mail
    kind: str  # the message kind (the event kind): picks the channel's template
    locale: str  # vi | en
    purpose: str  # transactional | marketing
    title: str
    body: str
    params: Mapping[str, str] = field(default_factory=dict)  # the template's values
    unsubscribe_url: str | None = None  # marketing: e-mail's List-Unsubscribe, SMS's opt-out


@dataclass(frozen=True)
class Sent:
    delivery_id: int
    status: SendStatus
    provider_id: str = ""  # the provider's message id: delivery receipts name it
    cost_vnd: int = 0
    parts: int = 1  # SMS parts (1 elsewhere)
    retry_after_s: float | None = None
    error: str = ""


class ChannelSender(Protocol):
    channel: Channel

    async def send(self, batch: Sequence[Outgoing]) -> list[Sent]: ...

    def estimate_vnd(self, outgoing: Outgoing) -> int: ...

    async def aclose(self) -> None: ...

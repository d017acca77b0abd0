"""A customer's SMS reply to the brand name: "TC" (and its like) stops SMS marketing.

Rules (docs/operations.md, "Channels"):

* The keywords are ``TC``, ``HUY``, ``STOP`` and ``TU CHOI``, read without case, diacritics,
  punctuation or extra spaces, as the first word(s) of the text ("Từ chối", "hủy.", "tc thanthiet").
  One withdraws the sender's SMS marketing consent through :func:`consent.set_marketing`
  (``text_version`` ``sms-reply``, the time of the reply), and the audit row
  ``consent.withdrawn_by_sms`` keeps the very text, the time and the gateway's id, in the same
  transaction. Transactional messages (points, vouchers, codes) keep coming.
* Any other text from a member changes nothing; the audit row ``sms.reply_ignored`` keeps it for
  staff. A phone that is no member's is ignored and not stored.
* ``DK`` / ``YES`` do not give consent: an opt-in has to show which consent text the customer
  agreed to (its version), and a two-letter reply to an advertisement does not; consent is given
  in the app (``PUT /api/v1/me/consents``) or at the till (``consent.record_at_till``). Such a
  reply is recorded as ignored like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from loyalty import audit
from loyalty.db import write_transaction
from loyalty.errors import InvalidInput
from loyalty.members import normalise_phone
from loyalty.schema import Member
from notifications.channels.base import Channel
from notifications.channels.sms_text import strip_diacritics
from notifications.consent import set_marketing

OPT_OUT_WORDS = (("TC",), ("HUY",), ("STOP",), ("TU", "CHOI"), ("TUCHOI",))
OPT_OUT_VERSION = "sms-reply"
WITHDRAWN = "consent.withdrawn_by_sms"
IGNORED = "sms.reply_ignored"
ACTOR = audit.StaffActor(None, "sms reply")
_NOT_A_LETTER = re.compile(r"[^A-Z0-9]+")


@dataclass(frozen=True, slots=True)
class Reply:
    member: int | None  # None: the phone is no member's
    opted_out: bool


def is_opt_out(text: str) -> bool:
    """Whether the text starts with an opt-out keyword (any case, with or without diacritics)."""
    words = _NOT_A_LETTER.sub(" ", strip_diacritics(text).upper()).split()
    return any(tuple(words[: len(keyword)]) == keyword for keyword in OPT_OUT_WORDS)


async def record_sms_reply(phone: str, text: str, *, provider_id: str = "", now: datetime | None = None) -> Reply:
    """Act on one inbound SMS: withdraw SMS marketing on an opt-out keyword, else record it."""
    now = now or datetime.now(UTC)
    try:
        e164 = normalise_phone(phone)
    except InvalidInput:
        return Reply(None, False)  # not a phone a member can have
    async with write_transaction():
        row = await Member.select(Member.id).where((Member.phone == e164) & Member.erased_at.is_null()).first()
        if row is None:
            return Reply(None, False)
        member = int(row["id"])
        opted_out = is_opt_out(text)
        if opted_out:
            await set_marketing(member, {Channel.SMS.value: False}, text_version=OPT_OUT_VERSION, now=now)
        await audit.record(
            ACTOR,
            WITHDRAWN if opted_out else IGNORED,
            "member",
            member,
            channel=Channel.SMS.value,
            text=text[:500],
            provider_id=provider_id,
            at=now.isoformat(),
        )
    return Reply(member, opted_out)

"""A one-off message staff write to one member or a whole VIP group, on the channel they choose.

Rules: a message is either a service notice (transactional: "your order has arrived") or an
offer (marketing: it goes only where the member consented to marketing on that channel, and
counts against quiet hours and the cap like any campaign). Staff pick the channel (push, Zalo,
SMS or e-mail); the dispatcher sends the message there only, or not at all when the member
cannot be reached there (no app, no phone, no e-mail, no consent) — except that a notice that
fails for good on it falls back like every transactional message. The words are the staff's
own, the same in both languages. One domain event per member, written set-wise for a group, and
one audit row for the send, all in one transaction. Erased members get nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from piccolo.utils.encoding import dump_json

from loyalty import audit, db
from loyalty.audit import StaffActor
from loyalty.db import write_transaction
from loyalty.errors import InvalidInput, NotFound
from loyalty.events import EMIT_SQL, EventKind
from loyalty.members import CHANNELS, member_by_phone
from loyalty.schema import VipGroup

MAX_TITLE, MAX_BODY = 100, 1000
MAX_SMS_TEXT = 300  # two parts without diacritics, with room for the brand name


def _group_events_sql() -> str:
    return (
        "INSERT INTO domain_event (kind, member, payload, created_at) "
        f"SELECT {db.typed('$1', 'varchar')}, vm.member, {db.typed('$2', 'json')}, {db.typed('$3', 'timestamptz')} "
        'FROM vip_member vm JOIN member m ON m.id = vm.member WHERE vm."group" = $4 AND m.erased_at IS NULL'
    )


async def send_one_off(
    actor: StaffActor,
    *,
    channel: str,
    offer: bool,
    title: str,
    body: str,
    phone: str | None = None,
    vip_group: int | None = None,
    now: datetime | None = None,
) -> int:
    """Queue the message for its members; how many members it was queued for."""
    if (phone is None) == (vip_group is None):
        raise InvalidInput("send to exactly one of a member's phone and a VIP group", field="phone")
    if channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    title, body = " ".join(title.split()), body.strip()
    if not 1 <= len(title) <= MAX_TITLE or not 1 <= len(body) <= MAX_BODY:
        raise InvalidInput(f"a title of 1-{MAX_TITLE} and a text of 1-{MAX_BODY} characters", field="body")
    if channel == "sms" and len(title) + len(body) > MAX_SMS_TEXT:
        raise InvalidInput(f"an SMS takes at most {MAX_SMS_TEXT} characters of title and text", field="body")
    kind = EventKind.STAFF_OFFER if offer else EventKind.STAFF_NOTICE
    payload = dump_json({"title_vi": title, "body_vi": body, "title_en": title, "body_en": body, "channel": channel})
    now = now or datetime.now(UTC)
    async with write_transaction():
        if phone is not None:
            member = await member_by_phone(phone)
            await db.execute(EMIT_SQL, kind.value, member.id, payload, now)
            count, target, target_id = 1, "member", str(member.id)
        else:
            if not await VipGroup.exists().where(VipGroup.id == vip_group):
                raise NotFound(f"no VIP group {vip_group}", field="vip_group")
            count = await db.execute(_group_events_sql(), kind.value, payload, now, vip_group)
            target, target_id = "vip_group", str(vip_group)
        await audit.record(
            actor, "message.one_off", target, target_id, channel=channel, offer=offer, title=title, members=count
        )
    return count

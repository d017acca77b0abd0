"""Consent and restraint: who may be sent marketing, and when.

Rules:
* Consent is per member × channel (push, Zalo, SMS, e-mail) × purpose (transactional, marketing),
  stored with the time of the answer and the version of the consent text the member saw.
* Marketing needs an explicit opt-in: no row, or ``granted = false``, means no. Transactional
  messages need no consent (they answer something the member did).
* Marketing messages, on whichever channel, wait out quiet hours (default 21:00–08:00 in the member's own time zone) and
  obey a frequency cap (default 3 marketing messages per member per 7 days). The inbox message
  is written either way; only the push waits (``held``) or is skipped with the reason kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loyalty import audit
from loyalty.db import write_transaction
from loyalty.errors import InvalidInput
from notifications.channels.base import Channel
from notifications.config import NotifySettings
from notifications.messages import Purpose
from notifications.tables import Consent

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True, slots=True)
class Consents:
    push_marketing: bool
    email_marketing: bool
    sms_marketing: bool
    zalo_marketing: bool
    text_version: str | None
    updated_at: datetime | None


async def current(member_id: int) -> Consents:
    rows = await Consent.select(Consent.channel, Consent.granted, Consent.text_version, Consent.updated_at).where(
        (Consent.member == member_id) & (Consent.purpose == Purpose.MARKETING.value)
    )
    granted = {r["channel"]: bool(r["granted"]) for r in rows}
    newest = max(rows, key=lambda r: r["updated_at"], default=None)
    return Consents(
        push_marketing=granted.get(Channel.PUSH, False),
        email_marketing=granted.get(Channel.EMAIL, False),
        sms_marketing=granted.get(Channel.SMS, False),
        zalo_marketing=granted.get(Channel.ZALO, False),
        text_version=newest["text_version"] if newest else None,
        updated_at=newest["updated_at"] if newest else None,
    )


async def set_marketing(
    member_id: int, choices: dict[str, bool], *, text_version: str, now: datetime | None = None
) -> Consents:
    """Record the member's marketing answers for every channel given (one upsert each)."""
    now = now or datetime.now(UTC)
    async with write_transaction():
        for channel, granted in choices.items():
            if channel not in set(Channel):
                raise ValueError(f"unknown channel {channel!r}")
            await Consent.insert(
                Consent(
                    member=member_id,
                    channel=Channel(channel).value,
                    purpose=Purpose.MARKETING.value,
                    granted=bool(granted),
                    text_version=text_version,
                    updated_at=now,
                )
            ).on_conflict(
                target=(Consent.member, Consent.channel, Consent.purpose),
                action="DO UPDATE",
                values=[Consent.granted, Consent.text_version, Consent.updated_at],
            )
    return await current(member_id)


CONSENT_AT_TILL = "consent.recorded_at_till"
TILL_CHANNELS = frozenset({Channel.ZALO.value, Channel.SMS.value, Channel.EMAIL.value})


async def record_at_till(
    member_id: int,
    choices: dict[str, bool],
    *,
    text_version: str,
    text_read: str,
    terminal_id: int,
    now: datetime | None = None,
) -> Consents:
    """The answers a customer gave at the counter to the consent text the cashier read out.

    The answers are the member's current consents like any other; the proof the personal-data
    law asks for (the very text read, its version, the till, the time) is the audit row written
    in the same transaction. Push is the app's to ask, not the till's."""
    if not choices or not set(choices) <= TILL_CHANNELS:
        raise InvalidInput("a till records Zalo, SMS and e-mail answers only", field="channels")
    now = now or datetime.now(UTC)
    async with write_transaction():
        found = await set_marketing(member_id, choices, text_version=text_version, now=now)
        await audit.record(
            audit.StaffActor(None, f"till {terminal_id}"),
            CONSENT_AT_TILL,
            "member",
            member_id,
            choices=choices,
            text_version=text_version,
            text_read=text_read,
            terminal_id=terminal_id,
            at=now.isoformat(),
        )
    return found


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the range wraps midnight


def quiet_until(now: datetime, zone_name: str | None, settings: NotifySettings) -> datetime | None:
    """When quiet hours end for this member (UTC), or None if it is not quiet now."""
    local = now.astimezone(zone(zone_name))
    if not in_quiet_hours(local.timetz().replace(tzinfo=None), settings.quiet_start, settings.quiet_end):
        return None
    end = local.replace(hour=settings.quiet_end.hour, minute=settings.quiet_end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)

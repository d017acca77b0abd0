"""Opting out from a link: every marketing e-mail and SMS says how to stop them.

Rules: the link names the member and the channel, signed with ``UNSUBSCRIBE_KEY`` (HMAC-SHA256),
so it needs no sign-in and cannot be turned into another member's or another channel's. Opening
it shows a page with one button (mail scanners open links; only the button, or a mail client's
one-click POST of RFC 8058, opts out). Opting out withdraws that channel's marketing consent,
recorded like any answer, with ``text_version`` ``opt-out-link``; transactional messages keep
coming. Without ``PUBLIC_BASE_URL`` and the key, messages carry no link and the route refuses.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from loyalty.errors import NotFound
from notifications.channels.base import Channel
from notifications.config import NotifySettings
from notifications.consent import set_marketing

LINK_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.ZALO})
OPT_OUT_VERSION = "opt-out-link"


class BadOptOutLink(NotFound):
    code = "opt_out_link_invalid"
    title = "This opt-out link is not valid"


def _mac(key: str, member_id: int, channel: str) -> str:
    return hmac.new(key.encode(), f"{member_id}.{channel}".encode(), hashlib.sha256).hexdigest()[:32]


def token_for(key: str, member_id: int, channel: Channel) -> str:
    return f"{member_id}.{channel.value}.{_mac(key, member_id, channel.value)}"


def opt_out_url(settings: NotifySettings, member_id: int, channel: Channel) -> str | None:
    if not (settings.public_base_url and settings.unsubscribe_key) or channel not in LINK_CHANNELS:
        return None
    return f"{settings.public_base_url}/u/{token_for(settings.unsubscribe_key, member_id, channel)}"


def read_token(settings: NotifySettings, token: str) -> tuple[int, Channel]:
    """The member and channel a link names, or :class:`BadOptOutLink`."""
    if not settings.unsubscribe_key:
        raise BadOptOutLink("opt-out links are not set up here")
    member, _, rest = token.partition(".")
    channel, _, mac = rest.partition(".")
    if not (member.isdigit() and len(member) <= 12 and channel in {c.value for c in LINK_CHANNELS}):
        raise BadOptOutLink("not an opt-out link")
    if not hmac.compare_digest(mac, _mac(settings.unsubscribe_key, int(member), channel)):
        raise BadOptOutLink("not an opt-out link")
    return int(member), Channel(channel)


async def opt_out(settings: NotifySettings, token: str, *, now: datetime | None = None) -> Channel:
    member_id, channel = read_token(settings, token)
    await set_marketing(member_id, {channel.value: False}, text_version=OPT_OUT_VERSION, now=now)
    return channel

"""Sending a one-time code to a member's phone while the cashier waits: Zalo first, then SMS.

Rules: the code goes out at once from the till's request, not through the worker: the customer
stands at the counter, and a code must never sit in an event, an inbox message or a delivery
row, where staff or a backup could read it. Zalo (ZNS) is tried first, being cheaper and read
more; any answer but ``sent`` (an invalid number, a rejected template, the quota, the network)
moves on to SMS at once. No channel that takes it is :class:`NoChannelForCode` (503): the till
tells the customer to spend another time, and nothing is spent. The channel and its cost are
kept on the code's row.
"""

from __future__ import annotations

from collections.abc import Mapping

from loyalty.errors import Unavailable
from loyalty.members import PHONE_CODE_VALID_MINUTES, IssuedCode, record_channel
from notifications.channels import Channel, ChannelSender, Outgoing, SendStatus

CODE_CHANNELS = (Channel.ZALO, Channel.SMS)
TITLES = {"vi": "Mã xác nhận Thân Thiết", "en": "Than Thiet confirmation code"}


class NoChannelForCode(Unavailable):
    code = "phone_code_unavailable"
    title = "No channel could send a code to this phone now"


def code_message(issued: IssuedCode) -> Outgoing:
    locale = "en" if issued.locale == "en" else "vi"
    minutes = str(PHONE_CODE_VALID_MINUTES)
    body = f"{issued.code} ({minutes} phút)" if locale == "vi" else f"{issued.code} ({minutes} minutes)"
    return Outgoing(
        delivery_id=issued.challenge_id,
        address=issued.phone,
        kind="phone_code",
        locale=locale,
        purpose="transactional",
        title=TITLES[locale],
        body=body,
        params={"code": issued.code, "minutes": minutes},
    )


async def send_phone_code(senders: Mapping[Channel, ChannelSender], issued: IssuedCode) -> Channel:
    """Send the code by the first channel that takes it; the channel it went by."""
    message = code_message(issued)
    errors: list[str] = []
    for channel in CODE_CHANNELS:
        sender = senders.get(channel)
        if sender is None:
            continue
        (answer,) = await sender.send([message])
        if answer.status == SendStatus.SENT:
            await record_channel(issued.challenge_id, channel.value, answer.cost_vnd)
            return channel
        errors.append(f"{channel.value}: {answer.status.value} {answer.error}".strip())
    raise NoChannelForCode("no channel took the code: " + ("; ".join(errors) or "Zalo and SMS are off"))

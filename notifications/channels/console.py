"""Development senders: each channel's message written to the log, counted as sent, costing nothing."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from notifications.channels.base import Channel, Outgoing, SendStatus, Sent
from notifications.channels.sms_text import count_parts, strip_diacritics
from notifications.channels.templates import email, sms_text

log = logging.getLogger("notifications.channels.console")


class ConsoleChannelSender:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.sent: list[Outgoing] = []

    def estimate_vnd(self, outgoing: Outgoing) -> int:
        return 0

    async def send(self, batch: Sequence[Outgoing]) -> list[Sent]:
        results = []
        for m in batch:
            parts = 1
            if self.channel is Channel.SMS:
                text = strip_diacritics(sms_text(m))
                parts = count_parts(text).parts
            elif self.channel is Channel.EMAIL:
                text = email(m).subject
            else:
                text = f"{m.title}: {m.body}"
            log.info("%s → %s (%s, %s): %s", self.channel.value, m.address, m.kind, m.locale, text)
            self.sent.append(m)
            results.append(
                Sent(m.delivery_id, SendStatus.SENT, f"console-{self.channel.value}-{m.delivery_id}", 0, parts)
            )
        return results

    async def aclose(self) -> None:
        return None

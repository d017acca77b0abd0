"""A scripted channel sender for routing tests: a real object speaking the ChannelSender
protocol, answering what the test tells it per address (the database stays real)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from notifications.channels.base import Channel, Outgoing, SendStatus, Sent


class ScriptedSender:
    """Answers ``script[address]`` (default: sent), each message costing ``cost_vnd``."""

    def __init__(
        self, channel: Channel, script: Mapping[str, SendStatus] | None = None, *, cost_vnd: int = 0, parts: int = 1
    ) -> None:
        self.channel = channel
        self.script = dict(script or {})
        self.cost_vnd = cost_vnd
        self.parts = parts
        self.batches: list[list[Outgoing]] = []

    @property
    def sent(self) -> list[Outgoing]:
        return [o for batch in self.batches for o in batch]

    async def send(self, batch: Sequence[Outgoing]) -> list[Sent]:
        self.batches.append(list(batch))
        out = []
        for o in batch:
            status = self.script.get(o.address, SendStatus.SENT)
            if status is SendStatus.SENT:
                out.append(Sent(o.delivery_id, status, f"{self.channel}-{o.delivery_id}", self.cost_vnd, self.parts))
            else:
                out.append(Sent(o.delivery_id, status, error=f"scripted {status}"))
        return out

    def estimate_vnd(self, outgoing: Outgoing) -> int:
        return self.cost_vnd * self.parts

    async def aclose(self) -> None:
        return None


def senders(*channel_senders: ScriptedSender) -> dict[Channel, ScriptedSender]:
    return {s.channel: s for s in channel_senders}

"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives and refuses on cue.

``refuse_550`` recipients are refused for good (no such mailbox), ``refuse_451`` for now; every
accepted message is parsed back with the standard ``email`` parser (``received``).
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class _Handler:
    refuse_550: set[str]
    refuse_451: set[str]
    received: list[EmailMessage] = field(default_factory=list)
    connections: int = 0
    delay_s: float = 0.0  # each accepted message takes this long (a batch in flight when a worker dies)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if address in self.refuse_550:
            return "550 5.1.1 No such user here"
        if address in self.refuse_451:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return "250 Message accepted for delivery"


class FakeSmtp:
    def __init__(self, *, refuse_550: set[str] | None = None, refuse_451: set[str] | None = None) -> None:
        self.handler = _Handler(refuse_550 or set(), refuse_451 or set())
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def received(self) -> list[EmailMessage]:
        return self.handler.received

    def start(self) -> FakeSmtp:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

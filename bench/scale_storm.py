"""The storm of ``bench.scale``: many tills earning, members redeeming, tills refunding, over HTTP
to two API processes, retrying as a real till does when a process dies under it.

A till sends each request to one process and, on a connection error or a 502/503, sends the
very same request again (the same receipt for an earn, the same ``Idempotency-Key`` for a
redemption or a refund) to the other, until it answers or ``RETRY_FOR_S`` has passed. Every
answer is kept by kind, so the checks afterwards know which changes the API said it made.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

RETRY_FOR_S = 40.0
REWARD_COST = 50


@dataclass
class Seeded:
    """What the storm works with: per store its tills' keys; per member id, public id, secret, token."""

    tills: list[tuple[int, str]]  # (store id, key)
    members: list[tuple[int, str, str, str]]
    reward_id: int


@dataclass
class Outcomes:
    earns: dict[str, tuple[int, int]] = field(default_factory=dict)  # "store:receipt" -> (member, amount)
    redemptions: list[tuple[int, str]] = field(default_factory=list)  # (member, key)
    refunds: dict[str, int] = field(default_factory=dict)  # "store:receipt" -> amount refunded
    gave_up: Counter[str] = field(default_factory=Counter)  # by kind: no answer within RETRY_FOR_S
    refused: Counter[str] = field(default_factory=Counter)  # "kind code": 4xx answers
    errors: Counter[str] = field(default_factory=Counter)  # what made a try fail, by kind
    retried: Counter[str] = field(default_factory=Counter)  # requests answered only after a retry
    answered: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)


class Storm:
    def __init__(self, seeded: Seeded, bases: list[str], seed: int = 7) -> None:
        self.seeded = seeded
        self.bases = bases
        self.random = random.Random(seed)
        self.out = Outcomes()
        self.last_step: dict[int, int] = {}
        self.balance: dict[int, int] = {}
        self.refundable: list[tuple[int, str, int]] = []  # (store, receipt, amount)
        self.clients = [
            httpx.AsyncClient(base_url=b, timeout=10, limits=httpx.Limits(max_connections=200)) for b in bases
        ]
        self.receipts = 0
        self.by_id = {m[0]: m for m in seeded.members}

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()

    async def run(self, tills: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(self.till(n, deadline) for n in range(tills)))

    async def till(self, n: int, deadline: float) -> None:
        store, key = self.seeded.tills[n % len(self.seeded.tills)]
        headers = {"Authorization": f"Bearer {key}"}
        while time.monotonic() < deadline:
            roll = self.random.random()
            if roll < 0.15 and self.refundable:
                await self.refund(store, headers)
            elif roll < 0.3:
                await self.redeem()
            else:
                await self.earn(store, headers)

    async def earn(self, store: int, headers: dict[str, str]) -> None:
        from loyalty.earning import cards

        now = datetime.now(UTC)
        step = cards.step_at(now)
        member = self.pick_member(step)
        if member is None:
            await asyncio.sleep(0.05)
            return
        member_id, public_id, secret, _ = member
        self.receipts += 1
        receipt = f"S{store}-{self.receipts}"
        amount = self.random.randrange(200_000, 2_000_001, 10_000)
        body = {"member_code": cards.code_for(public_id, secret, now).code, "receipt_no": receipt, "amount": amount}
        answer = await self.send("earn", "/api/v1/pos/earn", body, headers)
        if answer is None:
            return
        if answer.status_code in (200, 201):
            self.out.earns[f"{store}:{receipt}"] = (member_id, amount)
            self.balance[member_id] = int(answer.json()["points_balance"])
            self.refundable.append((store, receipt, amount))
        else:
            self.out.refused[f"earn {_code(answer)}"] += 1

    async def redeem(self) -> None:
        rich = [m for m, points in self.balance.items() if points >= REWARD_COST]
        if not rich:
            await asyncio.sleep(0.05)
            return
        member_id, _, _, token = self.by_id[self.random.choice(rich)]
        self.balance[member_id] -= REWARD_COST
        key = f"scale-redeem-{member_id}-{self.random.getrandbits(48):x}"
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        answer = await self.send("redeem", "/api/v1/me/redemptions", {"reward_id": self.seeded.reward_id}, headers)
        if answer is None:
            return
        if answer.status_code == 201:
            self.out.redemptions.append((member_id, key))
            self.balance[member_id] = int(answer.json()["points_balance"])
        else:
            self.out.refused[f"redeem {_code(answer)}"] += 1

    async def refund(self, store: int, headers: dict[str, str]) -> None:
        ours = [r for r in self.refundable if r[0] == store]
        if not ours:
            return
        chosen = self.random.choice(ours)
        self.refundable.remove(chosen)
        _, receipt, amount = chosen
        body = {"receipt_no": receipt, "amount": amount // 2}
        keyed = {**headers, "Idempotency-Key": f"scale-refund-{store}-{receipt}"}
        answer = await self.send("refund", "/api/v1/pos/refunds", body, keyed)
        if answer is None:
            return
        if answer.status_code == 201:
            self.out.refunds[f"{store}:{receipt}"] = amount // 2
        else:
            self.out.refused[f"refund {_code(answer)}"] += 1

    def pick_member(self, step: int) -> tuple[int, str, str, str] | None:
        """A member whose card has not been used in this 30 s step (each (member, step) once)."""
        for _ in range(20):
            member = self.random.choice(self.seeded.members)
            if self.last_step.get(member[0], -1) < step:
                self.last_step[member[0]] = step
                return member
        return None

    async def send(self, kind: str, path: str, body: Any, headers: dict[str, str]) -> httpx.Response | None:
        """The same request until one process answers it (not 502/503), or None after RETRY_FOR_S."""
        started = time.monotonic()
        first = self.random.randrange(len(self.clients))
        tries = 0
        while time.monotonic() - started < RETRY_FOR_S:
            client = self.clients[(first + tries) % len(self.clients)]
            tries += 1
            try:
                answer = await client.post(path, json=body, headers=headers)
            except httpx.TransportError as exc:
                self.out.errors[f"{kind} {type(exc).__name__}"] += 1
                await asyncio.sleep(0.2 * min(tries, 5))
                continue
            if answer.status_code in (502, 503):
                self.out.errors[f"{kind} {answer.status_code} {_code(answer)}"] += 1
                await asyncio.sleep(0.2 * min(tries, 5))
                continue
            if answer.status_code >= 500:
                self.out.errors[f"{kind} {answer.status_code} {_code(answer)}"] += 1
            self.out.answered[kind] += 1
            if tries > 1:
                self.out.retried[kind] += 1
            self.out.latencies_ms.append((time.monotonic() - started) * 1000)
            return answer
        self.out.gave_up[kind] += 1
        return None


def _code(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("code", answer.status_code))
    except ValueError:
        return str(answer.status_code)

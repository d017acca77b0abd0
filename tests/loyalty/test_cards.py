"""The member QR card: format, check character, time steps, each step once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from loyalty.earning import cards
from loyalty.members.accounts import record_member
from loyalty.schema import Member


def test_check_character_catches_every_single_character_typo() -> None:
    payload = "TT4K7PQ2MZ.492039"
    good = f"{payload}.{cards.check_char(payload)}"
    assert cards.parse(good.lower()).public_id == "TT4K7PQ2MZ"
    for i, ch in enumerate(payload):
        if ch == ".":
            continue
        pool = "0123456789" if i > 10 else cards.CHECK_ALPHABET
        for other in pool.replace(ch, ""):
            typo = payload[:i] + other + payload[i + 1 :]
            with pytest.raises(cards.CodeInvalid):
                cards.parse(f"{typo}.{good[-1]}")


async def test_code_is_accepted_once_within_its_window() -> None:
    member = await record_member("0901234567")
    start = datetime(2026, 11, 22, 10, 0, 5, tzinfo=UTC)
    code = (await cards.current_code(member.id, now=start)).code
    assert len(code) == 19
    assert await cards.accept(code, now=start + timedelta(seconds=40)) == member.id  # one step late: fine
    with pytest.raises(cards.CodeReused):
        await cards.accept(code, now=start)


async def test_expired_code_is_refused() -> None:
    member = await record_member("0901234567")
    with time_machine.travel(datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC), tick=False):
        code = (await cards.current_code(member.id)).code
    with (
        time_machine.travel(datetime(2026, 11, 22, 10, 1, 30, tzinfo=UTC), tick=False),
        pytest.raises(cards.CodeInvalid),
    ):
        await cards.accept(code)
    row = await Member.select(Member.last_card_step).where(Member.id == member.id).first()
    assert row is not None and row["last_card_step"] == 0


async def test_an_older_code_after_a_newer_one_is_refused() -> None:
    member = await record_member("0901234567")
    now = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
    older = (await cards.current_code(member.id, now=now)).code
    newer = (await cards.current_code(member.id, now=now + timedelta(seconds=30))).code
    await cards.accept(newer, now=now + timedelta(seconds=30))
    with pytest.raises(cards.CodeReused):
        await cards.accept(older, now=now + timedelta(seconds=30))


async def test_another_members_secret_cannot_forge_a_code() -> None:
    alice = await record_member("0901234567")
    bob = await record_member("0907654321")
    now = datetime(2026, 11, 22, 10, tzinfo=UTC)
    payload = f"{alice.public_id}.{cards.otp_for(bob.card_secret, cards.step_at(now))}"
    with pytest.raises(cards.CodeInvalid):
        await cards.accept(f"{payload}.{cards.check_char(payload)}", now=now)

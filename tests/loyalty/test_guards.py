"""Rules the database itself enforces, on both engines."""

from __future__ import annotations

import pytest

from loyalty.members import record_member
from loyalty.tables import Member


async def test_a_negative_balance_is_refused_by_the_database() -> None:
    member = await record_member("0901234567")
    with pytest.raises(Exception, match=r"(?i)check|constraint"):
        await Member.update({Member.points_balance: -1}).where(Member.id == member.id)
    again = await Member.objects().where(Member.id == member.id).first()
    assert again is not None and again.points_balance == 0

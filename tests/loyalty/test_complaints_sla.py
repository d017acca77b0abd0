"""SLA due times and escalation of overdue complaints, with a frozen clock."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from loyalty import complaints
from loyalty.complaints.sla import escalate_overdue
from loyalty.jobs import registered_jobs
from loyalty.members.accounts import record_member
from loyalty.schema import ComplaintEvent, ComplaintSla
from tests.support.complaints import seed_desk, staff

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def desk() -> None:
    await seed_desk()


async def _case(priority: str = "high") -> str:
    agent = await staff("an")
    case = await complaints.log_by_staff(
        agent,
        category="product_quality",
        description="Sữa hỏng",
        channel="phone",
        priority=priority,
        phone="0901234567",
    )
    return case.reference


async def _escalations(reference: str) -> list[int]:
    case = await complaints.get_case(reference)
    rows = await ComplaintEvent.select(ComplaintEvent.data).where(
        (ComplaintEvent.complaint == case.id) & (ComplaintEvent.kind == "escalated")
    )
    return [int((r["data"] if isinstance(r["data"], dict) else json.loads(r["data"]))["level"]) for r in rows]


async def test_due_times_follow_the_priority_targets_and_staff_changes() -> None:
    with time_machine.travel(T0, tick=False):
        high = await complaints.get_case(await _case("high"))
        assert high.first_response_due == T0 + timedelta(hours=4)
        assert high.resolution_due == T0 + timedelta(days=3)
        await ComplaintSla.update({ComplaintSla.first_response_minutes: 30}).where(ComplaintSla.priority == "urgent")
        m = (await record_member("0912345678")).id
        agent = await staff("binh")
        urgent = await complaints.log_by_staff(
            agent, category="other", description="x", channel="social", priority="urgent", phone="0912345678"
        )
        assert urgent.member == m
        assert urgent.first_response_due == T0 + timedelta(minutes=30)
        assert urgent.resolution_due == T0 + timedelta(days=1)


async def test_overdue_cases_are_escalated_once_to_the_manager() -> None:
    manager = await staff("quan-ly", superuser=True)
    with time_machine.travel(T0, tick=False):
        ref = await _case("high")
    # Before the first-response target: nothing to do.
    assert await escalate_overdue(T0 + timedelta(hours=3, minutes=59)) == 0
    assert await escalate_overdue(T0 + timedelta(hours=4, minutes=1)) == 1
    assert await escalate_overdue(T0 + timedelta(hours=5)) == 0  # idempotent
    case = await complaints.get_case(ref)
    assert case.escalation_level == 1 and case.overdue and case.first_response_breached
    assert case.assignee == manager.user_id
    assert await _escalations(ref) == [1]
    # Member never sees the escalation line.
    seen = await complaints.member_case(case.member or 0, ref)
    assert "escalated" not in [line.kind for line in seen.timeline]
    # Past the resolution target: second level, once.
    assert await escalate_overdue(T0 + timedelta(days=3, minutes=1)) == 1
    assert await escalate_overdue(T0 + timedelta(days=4)) == 0
    case = await complaints.get_case(ref)
    assert case.escalation_level == 2 and case.resolution_breached
    assert await _escalations(ref) == [1, 2]


async def test_concurrent_workers_escalate_each_case_once() -> None:
    await staff("quan-ly", superuser=True)
    with time_machine.travel(T0, tick=False):
        refs = [await _case_for(i) for i in range(5)]
    counts = await asyncio.gather(*(escalate_overdue(T0 + timedelta(hours=5)) for _ in range(4)))
    assert sum(counts) == 5
    for ref in refs:
        assert await _escalations(ref) == [1]


async def _case_for(i: int) -> str:
    agent = await staff(f"agent{i}")
    case = await complaints.log_by_staff(
        agent,
        category="other",
        description=f"case {i}",
        channel="in_person",
        priority="high",
        customer_name=f"Khách {i}",
    )
    return case.reference


async def test_a_late_answer_is_flagged_and_an_answered_case_is_not_escalated_for_response() -> None:
    agent = await staff("an")
    with time_machine.travel(T0, tick=False):
        late = await _case("high")
        on_time = (
            await complaints.log_by_staff(
                agent,
                category="other",
                description="y",
                channel="phone",
                priority="high",
                customer_name="B",
            )
        ).reference
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        await complaints.acknowledge(on_time, agent)
    with time_machine.travel(T0 + timedelta(hours=6), tick=False):
        await complaints.reply(late, agent, "Sorry for the wait", visible=True)
    assert (await complaints.get_case(late)).first_response_breached
    assert not (await complaints.get_case(on_time)).first_response_breached
    assert await escalate_overdue(T0 + timedelta(hours=7)) == 0


async def test_resolving_late_flags_the_breach_and_clears_overdue() -> None:
    agent = await staff("an")
    with time_machine.travel(T0, tick=False):
        ref = await _case("urgent")
    await escalate_overdue(T0 + timedelta(days=2))
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        await complaints.resolve(ref, agent, "Refunded")
    case = await complaints.get_case(ref)
    assert case.resolution_breached and not case.overdue and case.status == "resolved"


def test_the_escalation_job_is_registered() -> None:
    assert {"complaints.escalate", "complaints.close_resolved"} <= {j.name for j in registered_jobs()}

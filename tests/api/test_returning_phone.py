"""A phone that signs in again with a new Firebase account keeps its membership (issue 13 item 4)."""

from __future__ import annotations

import asyncio
import time

import httpx

from loyalty import points
from loyalty.members.accounts import UID_MOVED
from loyalty.points import Kind
from loyalty.schema import AuditLog, LedgerEntry, Member
from loyalty.setup.dev_tokens import mint
from tests.conftest import PROJECT_ID

PHONE = "+84901054771"


def signed_in(uid: str, phone: str | None = PHONE, *, now: float | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(PROJECT_ID, phone=phone, uid=uid, now=now)}"}


async def _member_with_points(client: httpx.AsyncClient, uid: str) -> int:
    me = await client.get("/api/v1/me", headers=signed_in(uid))
    assert me.status_code == 200, me.text
    member_id = await _id_of(uid)
    await points.credit(member_id, 250, kind=Kind.EARN, reference=f"earn-{uid}")
    return member_id


async def _id_of(uid: str) -> int:
    row = await Member.select(Member.id).where(Member.firebase_uid == uid).first()
    assert row is not None
    return int(row["id"])


async def test_a_new_firebase_account_with_the_same_phone_keeps_the_points_and_history(
    client: httpx.AsyncClient,
) -> None:
    member_id = await _member_with_points(client, "uid-A")
    again = await client.get("/api/v1/me", headers=signed_in("uid-B"))
    assert again.status_code == 200, again.text
    assert again.json()["points_balance"] == 250 and again.json()["phone"] == PHONE
    history = await client.get("/api/v1/me/ledger", headers=signed_in("uid-B"))
    assert [e["delta"] for e in history.json()["items"]] == [250]
    assert await Member.count() == 1
    member = await Member.objects().where(Member.id == member_id).first()
    assert member is not None and member.firebase_uid == "uid-B"
    assert await LedgerEntry.count().where(LedgerEntry.member == member_id) == 1


async def test_the_move_to_a_new_account_is_in_the_audit_log(client: httpx.AsyncClient) -> None:
    member_id = await _member_with_points(client, "uid-A")
    assert (await client.get("/api/v1/me", headers=signed_in("uid-B"))).status_code == 200
    rows = await AuditLog.select().where(AuditLog.action == UID_MOVED).output(load_json=True)
    assert len(rows) == 1
    assert rows[0]["target"] == "member" and rows[0]["target_id"] == str(member_id)
    assert rows[0]["detail"]["old_uid"] == "uid-A" and rows[0]["detail"]["new_uid"] == "uid-B"
    assert "Firebase" in rows[0]["detail"]["reason"]


async def test_the_old_accounts_token_from_before_the_move_is_refused(client: httpx.AsyncClient) -> None:
    old_token = signed_in("uid-A")
    assert (await client.get("/api/v1/me", headers=old_token)).status_code == 200
    assert (await client.get("/api/v1/me", headers=signed_in("uid-B"))).status_code == 200
    stale = await client.get("/api/v1/me", headers=old_token)
    assert stale.status_code == 401
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["code"] == "token_superseded"
    # The refusal moved nothing: the new account still holds the membership.
    assert (await client.get("/api/v1/me", headers=signed_in("uid-B"))).status_code == 200
    assert await AuditLog.count().where(AuditLog.action == UID_MOVED) == 1


async def test_the_old_account_given_the_phone_again_later_takes_the_membership_back(
    client: httpx.AsyncClient,
) -> None:
    member_id = await _member_with_points(client, "uid-A")
    assert (await client.get("/api/v1/me", headers=signed_in("uid-B"))).status_code == 200
    later = await client.get("/api/v1/me", headers=signed_in("uid-A", now=time.time() + 2))
    assert later.status_code == 200 and later.json()["points_balance"] == 250
    member = await Member.objects().where(Member.id == member_id).first()
    assert member is not None and member.firebase_uid == "uid-A"
    assert await AuditLog.count().where(AuditLog.action == UID_MOVED) == 2


async def test_the_old_account_with_another_phone_is_a_new_empty_member(client: httpx.AsyncClient) -> None:
    member_id = await _member_with_points(client, "uid-A")
    assert (await client.get("/api/v1/me", headers=signed_in("uid-B"))).status_code == 200
    other = await client.get("/api/v1/me", headers=signed_in("uid-A", "+84912000111"))
    assert other.status_code == 200
    assert other.json()["points_balance"] == 0 and other.json()["phone"] == "+84912000111"
    assert await _id_of("uid-A") != member_id


async def test_two_accounts_signing_in_with_one_phone_at_once_make_one_member(client: httpx.AsyncClient) -> None:
    for round_no in range(3):
        phone = f"+8490105477{round_no}"
        answers = await asyncio.gather(
            *(client.get("/api/v1/me", headers=signed_in(f"uid-{round_no}-{n}", phone)) for n in range(2)),
            *(client.get("/api/v1/me", headers=signed_in(f"uid-{round_no}-{n}", phone)) for n in range(2)),
        )
        assert all(a.status_code in (200, 401) for a in answers), [a.text for a in answers]
        assert all(a.json()["code"] == "token_superseded" for a in answers if a.status_code == 401)
        assert any(a.status_code == 200 for a in answers)
        assert await Member.count().where(Member.phone == phone) == 1
    assert await Member.count() == 3


async def test_one_account_signing_in_twice_at_once_makes_one_member(client: httpx.AsyncClient) -> None:
    headers = signed_in("uid-twice")
    answers = await asyncio.gather(*(client.get("/api/v1/me", headers=headers) for _ in range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.json()["id"] for a in answers}) == 1
    assert await Member.count() == 1


async def test_after_erasure_the_same_phone_and_account_start_a_fresh_membership(
    client: httpx.AsyncClient,
) -> None:
    old_id = await _member_with_points(client, "uid-A")
    assert (await client.delete("/api/v1/me", headers=signed_in("uid-A"))).status_code == 202
    fresh = await client.get("/api/v1/me", headers=signed_in("uid-A"))
    assert fresh.status_code == 200 and fresh.json()["points_balance"] == 0
    assert await _id_of("uid-A") != old_id


async def test_after_erasure_the_same_phone_on_another_account_starts_a_fresh_membership(
    client: httpx.AsyncClient,
) -> None:
    old_id = await _member_with_points(client, "uid-A")
    assert (await client.get("/api/v1/me", headers=signed_in("uid-B"))).status_code == 200
    assert (await client.delete("/api/v1/me", headers=signed_in("uid-B"))).status_code == 202
    for uid in ("uid-C", "uid-A"):
        fresh = await client.get("/api/v1/me", headers=signed_in(uid, now=time.time() + 2))
        assert fresh.status_code == 200 and fresh.json()["points_balance"] == 0, fresh.text
        assert (await client.delete("/api/v1/me", headers=signed_in(uid, now=time.time() + 2))).status_code == 202
    erased = await Member.objects().where(Member.erased_at.is_not_null())
    assert len(erased) == 3 and old_id in {m.id for m in erased}
    # Erased rows hold neither phone nor uid, so they can never collide with a new member.
    assert all(m.phone is None and m.firebase_uid is None for m in erased)
    moves = await AuditLog.select(AuditLog.detail).where(AuditLog.action == UID_MOVED).output(load_json=True)
    assert [m["detail"] for m in moves] == [{"erased": True}]


async def test_a_token_without_a_phone_for_an_unknown_account_makes_a_member_without_a_phone(
    client: httpx.AsyncClient,
) -> None:
    await _member_with_points(client, "uid-A")
    answer = await client.get("/api/v1/me", headers=signed_in("uid-no-phone", None))
    assert answer.status_code == 200
    assert answer.json()["phone"] is None and answer.json()["points_balance"] == 0
    assert await Member.count() == 2

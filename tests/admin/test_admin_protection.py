"""What staff may change through the admin's table API, walked over every table it serves.

Each test signs in as staff (an ordinary admin user, or a superuser: the rules are the same)
and compares every row of every admin table before and after.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from piccolo.apps.user.tables import BaseUser
from piccolo.columns import JSON, BigInt, Boolean, Column, Date, ForeignKey, Integer, Serial, Timestamptz
from piccolo.table import Table
from piccolo_admin.endpoints import TableConfig

from admin.protection import POLICIES, protect
from admin.site import TABLES
from loyalty import points
from loyalty.members.accounts import record_member
from loyalty.schema import AuditLog, IdempotencyRecord, LedgerEntry, Member, Reward, Store
from loyalty.staff import Role
from tests.support.admin_rows import row_in, snapshot
from tests.support.complaints import give_role

_ADDRESSES = itertools.count(1)
ADMIN_TABLES: list[type[Table]] = [config.table_class for config in TABLES]


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client from its own address: the admin allows 20 logins per address per 5 minutes."""
    transport = httpx.ASGITransport(app=app, client=(f"10.4.0.{next(_ADDRESSES)}", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def signed_in(client: httpx.AsyncClient, *, superuser: bool) -> dict[str, str]:
    username = "root" if superuser else "mai"
    user = await BaseUser.create_user(
        username=username, password="a-long-Passw0rd", active=True, admin=True, superuser=superuser
    )
    await give_role(user.id, Role.MANAGER)
    await client.get("/admin/")
    csrf = client.cookies.get("csrftoken") or ""
    credentials = {"username": username, "password": "a-long-Passw0rd"}
    login = await client.post("/admin/public/login/", json=credentials, headers={"X-CSRFToken": csrf})
    assert login.status_code == 200, login.text
    return {"X-CSRFToken": client.cookies.get("csrftoken") or csrf}


async def a_row_in_every_admin_table() -> dict[type[Table], int]:
    return {table: await row_in(table) for table in ADMIN_TABLES}


def protected_columns(table: type[Table]) -> list[Column]:
    editable = set(POLICIES[table].editable)
    return [c for c in table._meta.columns if c._meta.name not in editable]


async def other_value(column: Column, stored: Any) -> Any:
    """A JSON value for ``column`` that differs from ``stored``."""
    if isinstance(column, ForeignKey):
        referenced = column._foreign_key_meta.resolved_references
        return (stored or 0) + 1 if stored is not None else await row_in(referenced)
    if isinstance(column, Serial):
        return stored + 1000
    if isinstance(column, Boolean):
        return not stored
    if isinstance(column, Timestamptz):
        return "2001-02-03T04:05:06.000Z"
    if isinstance(column, Date):
        return "2001-02-03"
    if isinstance(column, JSON):
        return '{"changed": 1}'
    if isinstance(column, Integer | BigInt):
        return (stored or 0) + 7
    changed = "changed"[: getattr(column, "length", None) or 7]
    return changed if changed != stored else "x"


@pytest.mark.parametrize("superuser", [False, True], ids=["staff", "superuser"])
async def test_no_one_changes_a_protected_column_of_any_admin_table(client: httpx.AsyncClient, superuser: bool) -> None:
    rows = await a_row_in_every_admin_table()
    headers = await signed_in(client, superuser=superuser)
    before = await snapshot(ADMIN_TABLES)
    refused: list[str] = []
    for table, row_id in rows.items():
        name, policy = table._meta.tablename, POLICIES[table]
        url = f"/admin/api/tables/{name}/"
        stored = (await table.select().where(table._meta.primary_key == row_id).first()) or {}
        shown = (await client.get(f"{url}{row_id}/", headers=headers)).json()
        for column in protected_columns(table):
            value = await other_value(column, stored[column._meta.name])
            patched = await client.patch(f"{url}{row_id}/", json={column._meta.name: value}, headers=headers)
            # The id is no column piccolo_api writes at all (400); everything else is ours.
            expected = (400, 403, 405) if isinstance(column, Serial) else (403, 405)
            assert patched.status_code in expected, (name, column._meta.name, patched.status_code, patched.text)
            if column._meta.name not in policy.set_on_create:  # a new reward's stock is set as it is added
                posted = await client.post(url, json={**shown, "id": None, column._meta.name: value}, headers=headers)
                assert posted.status_code in (403, 405), (name, column._meta.name, posted.status_code, posted.text)
            refused.append(f"{name}.{column._meta.name}")
        if not policy.delete:
            deleted = await client.delete(f"{url}{row_id}/", headers=headers)
            assert deleted.status_code == 405, (name, deleted.text)
        replaced = await client.put(f"{url}{row_id}/", json=shown, headers=headers)
        assert replaced.status_code == 405, (name, replaced.text)
        emptied = await client.delete(url, params={"id": row_id}, headers=headers)
        assert emptied.status_code == 405, (name, emptied.text)
    assert await snapshot(ADMIN_TABLES) == before
    assert "member.points_balance" in refused and "ledger_entry.delta" in refused and "reward.stock_left" in refused


async def test_staff_cannot_give_a_member_points_or_take_over_the_account(client: httpx.AsyncClient) -> None:
    member = await record_member("0907654321", "Minh")
    await points.credit(member.id, 50, kind=points.Kind.GIFT, reference="welcome:minh")
    headers = await signed_in(client, superuser=False)
    before = await snapshot([Member, LedgerEntry, AuditLog])
    url = f"/admin/api/tables/member/{member.id}/"
    grant = await client.patch(url, json={"points_balance": 999999}, headers=headers)
    assert grant.status_code == 403 and "Adjust points" in grant.text
    takeover = await client.patch(
        url, json={"tier": 4, "firebase_uid": "attacker-uid", "last_card_step": 0, "ledger_head": "x"}, headers=headers
    )
    assert takeover.status_code == 403
    for field in ("firebase_uid", "ledger_head", "tier"):
        assert field in takeover.text
    assert (await client.delete(url, headers=headers)).status_code == 405
    assert await snapshot([Member, LedgerEntry, AuditLog]) == before


async def test_staff_correct_a_members_name_and_address_and_nothing_else_moves(client: httpx.AsyncClient) -> None:
    member = await record_member("0907654321", "Minh")
    headers = await signed_in(client, superuser=False)
    stored = await Member.select().where(Member.id == member.id).first()
    assert stored is not None
    changed = await client.patch(
        f"/admin/api/tables/member/{member.id}/",
        json={"name": "Trần Văn Minh", "address": "12 Lê Lợi", "points_balance": "0", "card_secret": ""},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    after = await Member.select().where(Member.id == member.id).first()
    assert after is not None and after["updated_at"] > stored["updated_at"]
    assert after == {**stored, "name": "Trần Văn Minh", "address": "12 Lê Lợi", "updated_at": after["updated_at"]}
    audit = await AuditLog.select().where(AuditLog.action == "member.profile_corrected").first()
    assert audit is not None and (audit["staff_username"], audit["target_id"]) == ("mai", str(member.id))
    detail = json.loads(audit["detail"]) if isinstance(audit["detail"], str) else audit["detail"]
    assert detail["fields"] == ["address", "name"]


async def test_a_profile_the_member_could_not_have_is_refused_in_the_grid_too(client: httpx.AsyncClient) -> None:
    member = await record_member("0907654322", "Minh")
    headers = await signed_in(client, superuser=False)
    before = await snapshot([Member, AuditLog])
    for bad in ({"email": "not-an-address"}, {"locale": "fr"}, {"birthday": "2999-01-01"}):
        refused = await client.patch(f"/admin/api/tables/member/{member.id}/", json=bad, headers=headers)
        assert refused.status_code == 422, (bad, refused.text)
        (error,) = refused.json()["detail"]  # as the admin's form shows it: the field and why
        assert error["loc"][-1] in bad and error["msg"]
    assert await snapshot([Member, AuditLog]) == before


def as_the_edit_form_sends(shown: dict[str, Any], table: type[Table]) -> dict[str, Any]:
    """The row the edit page loaded, as its Save posts it back: every column but the id, numbers
    and booleans as text, times in UTC at whole seconds, secrets (never loaded) blank."""
    body: dict[str, Any] = {}
    for column in table._meta.columns:
        name = column._meta.name
        if column._meta.primary_key:
            continue
        value = shown.get(name)
        if column._meta.secret:
            value = ""
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, int):
            value = str(value)
        elif isinstance(column, Timestamptz) and value:
            moment = datetime.fromisoformat(value).astimezone(UTC)
            value = moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        body[name] = value
    return body


async def test_save_without_changes_changes_nothing_in_any_admin_table(client: httpx.AsyncClient) -> None:
    rows = await a_row_in_every_admin_table()
    headers = await signed_in(client, superuser=True)
    before = await snapshot(ADMIN_TABLES)
    for table, row_id in rows.items():
        url = f"/admin/api/tables/{table._meta.tablename}/{row_id}/"
        shown = (await client.get(url, headers=headers)).json()
        saved = await client.patch(url, json=as_the_edit_form_sends(shown, table), headers=headers)
        expected = 200 if POLICIES[table].editable else 405
        assert saved.status_code == expected, (table._meta.tablename, saved.status_code, saved.text)
    assert await snapshot(ADMIN_TABLES) == before


@pytest.mark.parametrize("typed", ["0907654321", "0907 654 321", "+84907654321", "84907654321", "+84 907 654 321"])
async def test_member_list_finds_a_phone_the_way_a_clerk_types_it(client: httpx.AsyncClient, typed: str) -> None:
    wanted = await record_member("+84907654321", "Minh")
    await record_member("+84901234567", "Lan")
    headers = await signed_in(client, superuser=False)
    listing = await client.get("/admin/api/tables/member/", params={"phone": typed}, headers=headers)
    assert listing.status_code == 200, listing.text
    assert [row["id"] for row in listing.json()["rows"]] == [wanted.id]
    count = await client.get("/admin/api/tables/member/count/", params={"phone": typed}, headers=headers)
    assert count.json()["count"] == 1
    # The member picker of other tables' filters (vouchers, ledger…) searches the phone too.
    picker = await client.get("/admin/api/tables/member/ids/", params={"search": typed}, headers=headers)
    assert picker.status_code == 200 and list(picker.json()) == [str(wanted.id)], picker.text


async def test_member_list_finds_members_while_the_clerk_is_still_typing(client: httpx.AsyncClient) -> None:
    await record_member("+84907654321", "Minh")
    await record_member("+84907650000", "Hoa")
    await record_member("+84901234567", "Lan")
    headers = await signed_in(client, superuser=False)
    listing = await client.get("/admin/api/tables/member/", params={"phone": "0907 65"}, headers=headers)
    assert sorted(row["name"] for row in listing.json()["rows"]) == ["Hoa", "Minh"]
    by_name = await client.get("/admin/api/tables/member/", params={"name": "Lan"}, headers=headers)
    assert [row["name"] for row in by_name.json()["rows"]] == ["Lan"]


def test_a_table_the_admin_would_serve_without_a_write_policy_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="no write policy"):
        protect([TableConfig(IdempotencyRecord)])


def test_a_list_page_that_would_go_blank_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="hide id"):
        protect([TableConfig(Store, link_column=Store.code)])


async def test_staff_add_a_store_and_a_reward_in_the_grid_but_never_type_over_its_stock(
    client: httpx.AsyncClient,
) -> None:
    headers = await signed_in(client, superuser=False)
    new = (await client.get("/admin/api/tables/store/new/", headers=headers)).json()
    added = await client.post(
        "/admin/api/tables/store/", json={**new, "code": "Q7", "name": "Quận 7", "city": "Hồ Chí Minh"}, headers=headers
    )
    assert added.status_code == 201, added.text
    assert await Store.exists().where((Store.code == "Q7") & (Store.name == "Quận 7"))
    reward_id = await row_in(Reward)
    before = await Reward.select(Reward.stock_left).where(Reward.id == reward_id).first()
    typed_over = await client.patch(f"/admin/api/tables/reward/{reward_id}/", json={"stock_left": 40}, headers=headers)
    assert typed_over.status_code == 403 and "Change reward stock" in typed_over.text
    assert await Reward.select(Reward.stock_left).where(Reward.id == reward_id).first() == before
    renamed = await client.patch(f"/admin/api/tables/reward/{reward_id}/", json={"name_vi": "Ly sứ"}, headers=headers)
    assert renamed.status_code == 200, renamed.text
    fresh = (await client.get("/admin/api/tables/reward/new/", headers=headers)).json()
    fresh.pop("id", None)
    body = {**fresh, "name_vi": "Túi vải", "name_en": "Tote bag", "points_cost": 300, "stock_left": 25}
    created = await client.post("/admin/api/tables/reward/", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert await Reward.exists().where((Reward.name_vi == "Túi vải") & (Reward.stock_left == 25))


async def test_the_edit_form_correcting_one_field_of_a_member_changes_that_field_only(
    client: httpx.AsyncClient,
) -> None:
    member = await record_member("0907654323", "Minh")  # no e-mail, gender or birthday yet
    headers = await signed_in(client, superuser=False)
    url = f"/admin/api/tables/member/{member.id}/"
    shown = (await client.get(url, headers=headers)).json()
    # Chromium's edit form sends an empty field as "", whether the column holds NULL or "".
    empty = {k: "" for k in ("email", "gender", "address", "city")}
    body = {**as_the_edit_form_sends(shown, Member), **empty, "name": "Trần Minh"}
    saved = await client.patch(url, json=body, headers=headers)
    assert saved.status_code == 200, saved.text
    after = await Member.select(Member.name, Member.email, Member.gender).where(Member.id == member.id).first()
    assert after == {"name": "Trần Minh", "email": None, "gender": None}
    audit = await AuditLog.select(AuditLog.detail).where(AuditLog.action == "member.profile_corrected").first()
    assert audit is not None
    detail = json.loads(audit["detail"]) if isinstance(audit["detail"], str) else audit["detail"]
    assert detail["fields"] == ["name"]

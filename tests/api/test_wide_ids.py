"""Ids past 2**31 in the tables that grow with activity (``loyalty.ids.WIDE_TABLES``): earning,
the ledger's chain and check, a member's history and inbox pages, and a path id, end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from piccolo.columns import BigSerial
from piccolo.conf.apps import Finder

from loyalty.ids import WIDE_TABLES
from loyalty.points.check import check
from loyalty.schema import LedgerEntry, Purchase
from notifications import devices, dispatcher
from notifications.config import NotifySettings
from notifications.tables import InboxMessage as Inbox
from tests.conftest import DATABASE_URL, member_headers
from tests.support.earning import code_of, earn, signed_in
from tests.support.wide_ids import OFFSETS, drop_placeholders, ids_past_int32

PAST = 2**31


async def test_earning_history_inbox_and_a_path_id_work_past_32_bits(
    client: httpx.AsyncClient, till: dict[str, Any]
) -> None:
    await ids_past_int32()
    member = await signed_in(client)
    await devices.register(member.id, "wide-token", "android")
    now = datetime.now(UTC)
    first = await earn(client, till, await code_of(member.id, now), "W-1", 250_000)
    assert first.status_code == 201, first.text
    assert await dispatcher.materialize(NotifySettings()) >= 1
    await drop_placeholders()
    second = await earn(client, till, await code_of(member.id, now + timedelta(seconds=30)), "W-2", 120_000)
    assert second.status_code == 201, second.text
    assert await dispatcher.materialize(NotifySettings()) >= 1

    entries = await LedgerEntry.select(LedgerEntry.id).order_by(LedgerEntry.id)
    assert [row["id"] for row in entries] == [OFFSETS["ledger_entry"], OFFSETS["ledger_entry"] + 1]
    assert min(row["id"] for row in await Purchase.select(Purchase.id)) == OFFSETS["purchase"]
    assert (await check(progress=False)).ok

    pages: list[list[int]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/v1/me/ledger", headers=member_headers(), params=params)
        assert page.status_code == 200, page.text
        pages.append([item["id"] for item in page.json()["items"]])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert [ids for ids in pages if ids] == [[OFFSETS["ledger_entry"] + 1], [OFFSETS["ledger_entry"]]]

    inbox = await client.get("/api/v1/me/notifications", headers=member_headers(), params={"limit": "1"})
    assert inbox.status_code == 200, inbox.text
    newest = inbox.json()["items"][0]["id"]
    assert newest > PAST
    following = {"limit": "1", "cursor": inbox.json()["next_cursor"]}
    older = await client.get("/api/v1/me/notifications", headers=member_headers(), params=following)
    assert older.status_code == 200, older.text
    assert [item["id"] for item in older.json()["items"]] == [newest - 1]

    read = await client.post(f"/api/v1/me/notifications/{newest}/read", headers=member_headers())
    assert read.status_code == 204, read.text
    row = await Inbox.select(Inbox.read_at).where(Inbox.id == newest).first()
    assert row is not None and row["read_at"] is not None
    unknown = await client.post(f"/api/v1/me/notifications/{newest + PAST}/read", headers=member_headers())
    assert (unknown.status_code, unknown.json()["code"]) == (404, "notification_not_found"), unknown.text


def test_the_wide_tables_are_the_tables_with_64_bit_ids() -> None:
    declared = {
        table._meta.tablename
        for table in Finder().get_table_classes()
        if isinstance(table._meta.primary_key, BigSerial)
    }
    assert declared == WIDE_TABLES
    assert Inbox._meta.tablename in WIDE_TABLES


@pytest.mark.postgres_only
async def test_every_id_of_a_wide_table_and_every_column_referring_to_one_is_bigint() -> None:
    """Read from the catalog, so a table added later cannot point at a wide table with an
    ``integer`` column, nor a wide table keep a sequence that stops at 2**31 - 1."""
    connection = await asyncpg.connect(DATABASE_URL)
    try:
        keys = await connection.fetch(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
            "WHERE c.table_schema = 'public' AND c.column_name = 'id' AND c.table_name = ANY($1::text[])",
            sorted(WIDE_TABLES),
        )
        references = await connection.fetch(
            "SELECT src.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) "
            "AS data_type, dst.relname AS target FROM pg_constraint k "
            "JOIN pg_class src ON src.oid = k.conrelid JOIN pg_class dst ON dst.oid = k.confrelid "
            "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey) "
            "WHERE k.contype = 'f' AND dst.relname = ANY($1::text[])",
            sorted(WIDE_TABLES),
        )
        sequences = await connection.fetch(
            "SELECT sequencename, data_type::text AS data_type FROM pg_sequences WHERE sequencename = ANY($1::text[])",
            [f"{table}_id_seq" for table in sorted(WIDE_TABLES)],
        )
    finally:
        await connection.close()
    assert {row["table_name"] for row in keys} == WIDE_TABLES
    assert [dict(row) for row in keys if row["data_type"] != "bigint"] == []
    assert len(references) >= 12  # lots, draws, purchases, vouchers, gifts, compensations, messages, deliveries
    assert [dict(row) for row in references if row["data_type"] != "bigint"] == []
    assert {row["sequencename"]: row["data_type"] for row in sequences} == {
        f"{table}_id_seq": "bigint" for table in WIDE_TABLES
    }

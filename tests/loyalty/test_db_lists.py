"""A list of values bound as one parameter (``db.one_of`` with ``db.listed``), on both engines."""

from __future__ import annotations

from loyalty import db
from loyalty.schema import Store


async def stores(count: int) -> list[int]:
    await Store.insert(*[Store(code=f"S{i}", name=f"Store {i}") for i in range(count)])
    return [int(r["id"]) for r in await Store.select(Store.id).order_by(Store.id)]


async def test_one_of_matches_exactly_the_ids_listed() -> None:
    ids = await stores(5)
    chosen = [ids[0], ids[3], ids[4], 10**12]  # an id no row has matches nothing
    rows = await db.fetch(f"SELECT id FROM store WHERE {db.one_of('id', '$1')} ORDER BY id", db.listed(chosen))
    assert [r["id"] for r in rows] == [ids[0], ids[3], ids[4]]


async def test_an_empty_list_matches_nothing_and_changes_nothing() -> None:
    await stores(2)
    assert await db.fetch(f"SELECT id FROM store WHERE {db.one_of('id', '$1')}", db.listed([])) == []
    changed = await db.execute(f"UPDATE store SET city = $1 WHERE {db.one_of('id', '$2')}", "Huế", db.listed([]))
    assert changed == 0


async def test_a_list_longer_than_any_parameter_limit_is_still_one_parameter() -> None:
    ids = await stores(3)
    many = [*range(10**9, 10**9 + 40_000), ids[1]]  # more values than PostgreSQL's 32,767 parameters
    async with db.write_transaction():
        changed = await db.execute(
            f"UPDATE store SET city = $1 WHERE {db.one_of('id', '$2')}", "Đà Nẵng", db.listed(many)
        )
    assert changed == 1
    assert await Store.select(Store.code).where(Store.city == "Đà Nẵng") == [{"code": "S1"}]


async def test_text_values_are_listed_too() -> None:
    await stores(3)
    rows = await db.fetch(
        f"SELECT code FROM store WHERE {db.one_of('code', '$1', 'text')} ORDER BY code", db.listed(["S2", "S0", "x"])
    )
    assert [r["code"] for r in rows] == ["S0", "S2"]

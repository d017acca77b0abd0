"""The segment builder pages: rows saved as the filter save_segment validates, bad rows refused on
the page with nothing written, the live count, and the pickers' look-ups."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from loyalty import campaigns
from loyalty.campaigns import vip
from loyalty.schema import AuditLog, Segment
from tests.support.campaigns import member
from tests.support.staff import sign_in, staff_http

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        await sign_in(http)
        yield http


def token_of(page: httpx.Response) -> str:
    return page.text.split("name='token' value='")[1].split("'")[0]


def rows(*conditions: tuple[str, str, str], join: str = "and") -> dict[str, str]:
    form = {"join": join}
    for n, (field, op, value) in enumerate(conditions):
        form.update({f"field_{n}": field, f"op_{n}": op, f"value_{n}": value, f"high_{n}": ""})
    return form


async def test_saving_rows_stores_the_filter_save_segment_validates_and_audits_it(
    staff_client: httpx.AsyncClient,
) -> None:
    page = await staff_client.get("/staff/segments/new", headers=HTML)
    assert page.status_code == 200 and "Giới tính" in page.text and "segments.js" in page.text
    form = {
        "token": token_of(page),
        "name": "Khách Hà Nội thân thiết",
        "description": "3+ hoá đơn",
        **rows(("visits_90d", "gte", "3"), ("city", "eq", "Hà Nội")),
        "field_2": "",
        "op_2": "eq",
        "value_2": "",
    }
    saved = await staff_client.post("/staff/segments/new", data=form, headers=HTML)
    assert saved.status_code == 303, saved.text
    row = await Segment.select().where(Segment.name == "Khách Hà Nội thân thiết").first()
    assert row is not None and saved.headers["location"] == f"/staff/segments/{row['id']}?saved=true"
    assert json.loads(row["definition"]) == {
        "and": [{"field": "visits_90d", "op": "gte", "value": 3}, {"field": "city", "op": "eq", "value": "Hà Nội"}]
    }
    assert await AuditLog.count().where(AuditLog.action == "segment.save") == 1
    shown = await staff_client.get(saved.headers["location"], headers=HTML)
    assert "Đã lưu phân khúc" in shown.text and "value='Hà Nội'" in shown.text
    # Changed on its own page: the same row, now OR.
    changed = await staff_client.post(
        f"/staff/segments/{row['id']}",
        data={"token": token_of(shown), "name": form["name"], **rows(("visits_90d", "gte", "5"), join="or")},
        headers=HTML,
    )
    assert changed.status_code == 303
    assert await campaigns.definition_of(row["id"]) == {"or": [{"field": "visits_90d", "op": "gte", "value": 5}]}
    listed = await staff_client.get("/staff/segments", headers=HTML)
    assert f"/staff/segments/{row['id']}" in listed.text and "birthday this month" in listed.text


@pytest.mark.parametrize(
    ("conditions", "status", "words"),
    [
        ((("visits_90d", "gte", "ba"),), 422, "Dòng 1"),
        ((("age", "contains", "3"),), 422, "phép so sánh"),
        ((), 422, "ít nhất một điều kiện"),
        ((("birthday_month", "eq", "99999999999999"),), 422, "Chưa lưu"),
    ],
)
async def test_bad_rows_are_the_pages_vietnamese_error_and_nothing_is_written(
    staff_client: httpx.AsyncClient, conditions: tuple[tuple[str, str, str], ...], status: int, words: str
) -> None:
    page = await staff_client.get("/staff/segments/new", headers=HTML)
    form = {"token": token_of(page), "name": "Sai", **rows(*conditions)}
    answer = await staff_client.post("/staff/segments/new", data=form, headers=HTML)
    assert answer.status_code == status and words in answer.text, answer.text
    assert "id='error'" in answer.text and "value='Sai'" in answer.text
    assert await Segment.count().where(Segment.name == "Sai") == 0
    assert await AuditLog.count() == 0


async def test_a_name_taken_is_a_conflict_and_a_forged_post_is_refused(staff_client: httpx.AsyncClient) -> None:
    await campaigns.save_segment("Đã có", {"field": "age", "op": "gte", "value": 18})
    page = await staff_client.get("/staff/segments/new", headers=HTML)
    taken = await staff_client.post(
        "/staff/segments/new", data={"token": token_of(page), "name": "Đã có", **rows(("age", "gte", "20"))}
    )
    assert taken.status_code == 409 and "Chưa lưu" in taken.text
    forged = await staff_client.post("/staff/segments/new", data={"token": "x" * 30, "name": "Giả", **rows()})
    assert forged.status_code == 403
    assert await Segment.count().where(Segment.name == "Giả") == 0


async def test_the_count_follows_the_rows(staff_client: httpx.AsyncClient) -> None:
    young = await member(name="Trẻ", city="Huế")
    await member(name="Khác", city="Hà Nội")
    everyone = await staff_client.post("/staff/segments/count", data=rows(), headers=JSON)
    assert everyone.status_code == 200 and everyone.json()["count"] == 2
    hue = await staff_client.post("/staff/segments/count", data=rows(("city", "eq", "Huế")), headers=JSON)
    assert hue.json()["count"] == 1 and hue.json()["sample"][0]["name"] == "Trẻ"
    assert hue.json()["definition"] == {"and": [{"field": "city", "op": "eq", "value": "Huế"}]}
    assert young
    bad = await staff_client.post("/staff/segments/count", data=rows(("city", "gte", "x")), headers=JSON)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "Dòng 1" in bad.json()["detail"]


async def test_pickers_find_by_name_and_phone(staff_client: httpx.AsyncClient) -> None:
    group = await vip.create_group("Khách Tết 2027")
    await campaigns.save_segment("Khách Huế", {"field": "city", "op": "eq", "value": "Huế"})
    found = await staff_client.get("/staff/api/vip-groups", params={"q": "tết"})
    assert found.json() == [{"id": group, "label": "Khách Tết 2027"}]
    segments = (await staff_client.get("/staff/api/segments", params={"q": "huế"})).json()
    assert [s["label"] for s in segments] == ["Khách Huế"]
    someone = await member(name="Lan")
    phones = (await staff_client.get("/staff/api/members", params={"phone": "090"})).json()
    assert [p["id"] for p in phones] == [someone]
    assert (await staff_client.get("/staff/api/segments", params={"q": "%"})).status_code == 200


HOSTILE = '<script>alert("x\'y")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#39;y&#34;)&lt;/script&gt;"


async def test_names_staff_typed_are_escaped_on_the_guided_pages(staff_client: httpx.AsyncClient) -> None:
    segment = await campaigns.save_segment(HOSTILE, {"field": "city", "op": "eq", "value": HOSTILE})
    await vip.create_group(HOSTILE)
    for path in (
        "/staff/segments",
        f"/staff/segments/{segment}",
        f"/staff/campaigns/new?audience=segment&segment={segment}",
    ):
        page = (await staff_client.get(path, headers=HTML)).text
        assert ESCAPED in page and "<script>alert" not in page, path
        # The fields' JSON for the script holds the VIP group's name with <, > and ' escaped.
        assert "\\u003cscript\\u003e" in page or "segment-fields" not in page


async def test_a_nested_filter_is_shown_not_overwritten_by_rows(staff_client: httpx.AsyncClient) -> None:
    deeper = {"or": [{"and": [{"field": "age", "op": "gte", "value": 18}]}]}  # groups in groups
    nested = {"and": [deeper, {"field": "city", "op": "eq", "value": "Huế"}]}
    segment = await campaigns.save_segment("Lồng nhau", nested)
    page = await staff_client.get(f"/staff/segments/{segment}", headers=HTML)
    assert page.status_code == 200 and "id='nested'" in page.text and "id='save'" not in page.text
    assert "&#34;Huế&#34;" in page.text


async def test_rows_given_a_group_are_saved_as_a_sub_group_and_shown_again(staff_client: httpx.AsyncClient) -> None:
    await member(name="Huế", city="Huế")
    await member(name="Đà Nẵng", city="Đà Nẵng")
    await member(name="Hà Nội", city="Hà Nội")
    form = rows(("city", "eq", "Huế"), ("city", "eq", "Đà Nẵng"))
    form.update(group_0="1", group_1="1")
    counted = await staff_client.post("/staff/segments/count", data=form, headers=JSON)
    assert counted.json()["count"] == 2
    page = await staff_client.get("/staff/segments/new", headers=HTML)
    saved = await staff_client.post("/staff/segments/new", data={**form, "token": token_of(page), "name": "Miền Trung"})
    assert saved.status_code == 303
    row = await Segment.select(Segment.id).where(Segment.name == "Miền Trung").first()
    assert row is not None
    assert await campaigns.definition_of(row["id"]) == {
        "and": [
            {"or": [{"field": "city", "op": "eq", "value": "Huế"}, {"field": "city", "op": "eq", "value": "Đà Nẵng"}]}
        ]
    }
    shown = await staff_client.get(saved.headers["location"], headers=HTML)
    assert shown.text.count("<option value='1' selected>1</option>") == 2 and "id='save'" in shown.text


async def test_the_sidebar_and_the_campaign_results_lead_to_the_guided_forms(app: Any) -> None:
    async with staff_http(app) as http:
        headers = await sign_in(http)
        links = (await http.get("/admin/api/links/", headers=headers)).json()
        assert links["Phân khúc hội viên"] == "/staff/segments" and links["Tạo chiến dịch"] == "/staff/campaigns/new"
        campaign = await campaigns.create_campaign(
            {
                "name": "Sinh nhật",
                "audience": "everyone",
                "gift_kind": "points",
                "gift_points": 10,
                "schedule": "birthday",
                "title_vi": "Quà",
                "title_en": "Gift",
                "message_vi": "Tặng $points điểm",
                "message_en": "$points points",
            }
        )
        results = (await http.get("/staff/campaigns", headers=HTML)).text
        assert "href='/staff/campaigns/new'" in results and f"href='/staff/campaigns/{campaign}/edit'" in results

"""The staff site in Vietnamese first: Piccolo Admin's own words, the names of tables, columns,
groups and forms, and the system's tables kept to superusers."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import piccolo_admin
from piccolo.apps.user.tables import BaseUser
from piccolo.table import Table
from piccolo_admin.translations.data import ENGLISH

from admin import choices_vi, labels_vi
from admin.site import FORMS, build_admin
from admin.translation_vi import VIETNAMESE
from loyalty.members import record_member
from loyalty.schema import DomainEvent
from notifications.tables import JobSchedule
from tests.support.admin_rows import row_in, snapshot

SYSTEM = {"piccolo_user", "job_schedule", "domain_event"}
BUNDLE = Path(piccolo_admin.__file__).parent / "dist" / "assets"


def test_every_english_word_of_the_admin_has_its_vietnamese() -> None:
    assert set(VIETNAMESE.translations) == set(ENGLISH.translations)
    untranslated = [key for key, value in VIETNAMESE.translations.items() if not value.strip() or value == key]
    assert not untranslated


def test_the_translation_covers_every_word_the_admin_page_asks_for() -> None:
    # The page looks its words up with $t("…"); a newer Piccolo Admin may ask for more.
    asked = {m for js in BUNDLE.glob("*.js") for m in re.findall(r'\$t\("([^"]+)"\)', js.read_text())}
    assert asked, "the admin's script no longer looks like this test expects"
    assert asked <= set(VIETNAMESE.translations)


async def test_vietnamese_is_the_default_and_english_can_be_chosen(client: httpx.AsyncClient) -> None:
    offered = await client.get("/admin/public/translations/")
    assert offered.status_code == 200, offered.text
    assert offered.json()["default_language_code"] == "vi"
    assert [t["language_code"] for t in offered.json()["translations"]] == ["vi", "en"]
    vietnamese = (await client.get("/admin/public/translations/vi/")).json()
    assert vietnamese["language_name"] == "Tiếng Việt"
    assert vietnamese["translations"]["Save"] == "Lưu" and vietnamese["translations"]["Log Out"] == "Đăng xuất"
    english = (await client.get("/admin/public/translations/en/")).json()
    assert english["translations"]["Save"] == "Save"


@asynccontextmanager
async def signed_in(app: Any, username: str, *, superuser: bool) -> AsyncIterator[httpx.AsyncClient]:
    await BaseUser.create_user(
        username=username,
        password="a-long-Passw0rd",
        email=f"{username}@thanthiet.example",
        active=True,
        admin=True,
        superuser=superuser,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        await http.get("/admin/")
        csrf = http.cookies.get("csrftoken") or ""
        login = await http.post(
            "/admin/public/login/",
            json={"username": username, "password": "a-long-Passw0rd"},
            headers={"X-CSRFToken": csrf},
        )
        assert login.status_code == 200, login.text
        http.headers["X-CSRFToken"] = http.cookies.get("csrftoken") or csrf
        yield http


async def test_staff_who_are_not_superusers_do_not_see_the_system_tables(app: Any) -> None:
    async with signed_in(app, "mai", superuser=False) as staff, signed_in(app, "root", superuser=True) as root:
        listed = (await staff.get("/admin/api/tables/")).json()
        grouped = (await staff.get("/admin/api/tables/grouped/")).json()
        root_grouped = (await root.get("/admin/api/tables/grouped/")).json()
        root_listed = (await root.get("/admin/api/tables/")).json()
    in_groups = {t for tables in grouped["grouped"].values() for t in tables} | set(grouped["ungrouped"])
    assert "member" in listed and "member" in in_groups and "audit_log" in in_groups
    assert not SYSTEM & set(listed) and not SYSTEM & in_groups
    # The "System" group would be empty: it is not shown at all.
    assert "Hệ thống" not in grouped["grouped"] and "Hội viên" in grouped["grouped"]
    assert set(root_grouped["grouped"]["Hệ thống"]) == SYSTEM
    assert set(root_listed) >= SYSTEM and not root_grouped["ungrouped"]


async def test_staff_who_are_not_superusers_are_refused_on_system_rows(app: Any) -> None:
    await row_in(JobSchedule)
    await row_in(DomainEvent)
    tables: list[type[Table]] = [JobSchedule, DomainEvent, BaseUser]
    async with signed_in(app, "mai", superuser=False) as staff, signed_in(app, "root", superuser=True) as root:
        rows = {t._meta.tablename: await row_in(t) for t in tables}
        before = await snapshot(tables)
        for name, row_id in rows.items():
            base = f"/admin/api/tables/{name}/"
            for path in ("", f"{row_id}/", "schema/", "count/", "ids/", "new/"):
                refused = await staff.get(base + path)
                assert refused.status_code == 403, (name, path, refused.status_code, refused.text)
                assert "superuser" in refused.text
                seen = await root.get(base + path)
                assert seen.status_code == 200, (name, path, seen.status_code, seen.text)
            patched = await staff.patch(f"{base}{row_id}/", json={"last_error": "x", "kind": "x", "username": "x"})
            assert patched.status_code in (403, 405), (name, patched.text)
            assert (await staff.delete(f"{base}{row_id}/")).status_code in (403, 405)
        assert await snapshot(tables) == before


async def test_table_schemas_name_the_columns_in_vietnamese(app: Any) -> None:
    await record_member("0907654321", "Trần Văn Minh")
    async with signed_in(app, "mai", superuser=False) as staff:
        member = (await staff.get("/admin/api/tables/member/schema/")).json()
        entries = (await staff.get("/admin/api/tables/ledger_entry/schema/")).json()
        rows = await staff.get("/admin/api/tables/member/", params={"__readable": "true"})
    titles = {name: prop["title"] for name, prop in member["properties"].items()}
    assert titles["phone"] == "Số điện thoại" and titles["name"] == "Họ tên"
    assert titles["points_balance"] == "Số dư điểm" and titles["tier"] == "Hạng"
    assert member["extra"]["help_text"] == "Hội viên"
    assert entries["properties"]["delta"]["title"] == "Điểm thay đổi"
    assert entries["properties"]["member"]["title"] == "Hội viên"
    # Only the words change: the rows and the schema's rules are Piccolo's own.
    assert member["extra"]["link_column_name"] == "phone" and member["properties"]["phone"]["extra"]["unique"]
    assert rows.status_code == 200 and rows.json()["rows"][0]["phone"] == "+84907654321"


async def test_forms_and_their_fields_are_named_in_vietnamese(app: Any) -> None:
    async with signed_in(app, "mai", superuser=False) as staff:
        grouped = (await staff.get("/admin/api/forms/grouped/")).json()
        schema = (await staff.get("/admin/api/forms/adjust-points/schema/")).json()
        links = (await staff.get("/admin/api/links/")).json()
    points = {form["slug"]: form for form in grouped["grouped"]["Điểm thưởng"]}
    assert points["adjust-points"]["name"] == "Điều chỉnh điểm"
    assert "lịch sử điểm" in points["adjust-points"]["description"]
    assert schema["properties"]["member"]["title"] == "Hội viên (số điện thoại hoặc mã TT…)"
    assert schema["properties"]["points"]["title"].startswith("Số điểm")
    assert set(grouped["grouped"]) == {"Cửa hàng", "Chương trình", "Điểm thưởng", "Khiếu nại", "Chiến dịch"}
    assert links["Báo cáo khiếu nại"] == "/staff/reports/complaints"


def test_every_table_column_group_and_form_the_staff_see_has_a_vietnamese_name() -> None:
    configs = build_admin().table_configs
    served = {config.table_class._meta.tablename: config for config in configs}
    assert set(labels_vi.TABLES) == set(served), "a name for every table served, and none for others"
    missing = [
        f"{name}.{column._meta.name}"
        for name, config in served.items()
        for column in config.table_class._meta.columns
        if labels_vi.column_label(name, column._meta.name) is None
    ]
    assert not missing
    assert {config.menu_group for config in configs} <= set(labels_vi.MENU_GROUPS.values())
    assert {label.name for label in labels_vi.TABLES.values()}.isdisjoint({""})
    assert {form.slug for form in FORMS} == set(labels_vi.FORMS)
    for form in FORMS:
        labels = labels_vi.FORMS[form.slug]
        assert (form.name, form.description) == (labels.name, labels.description)
        assert set(labels.fields) == set(form.pydantic_model.model_fields), form.slug
        assert form.form_group in labels_vi.MENU_GROUPS.values()


def test_every_choice_a_column_offers_has_its_vietnamese_name() -> None:
    served = [config.table_class for config in build_admin().table_configs]
    with_choices = [c for table in served for c in table._meta.columns if c._meta.choices is not None]
    assert {f"{c._meta.table._meta.tablename}.{c._meta.name}" for c in with_choices} >= {
        "campaign.status",
        "campaign.gift_kind",
        "campaign.schedule",
        "complaint.status",
        "complaint.priority",
        "complaint.channel",
        "member.preferred_channel",
        "ledger_entry.kind",
        "voucher.source",
    }
    unnamed = [
        f"{c._meta.table._meta.tablename}.{c._meta.name}={choice.value}"
        for c in with_choices
        for choice in c._meta.choices or []
        if choices_vi.NAMES.get(c._meta.choices, {}).get(choice.value) is None
    ]
    assert unnamed == []


async def test_choices_are_selects_with_vietnamese_names_and_keep_their_codes(app: Any) -> None:
    await record_member("0907654321", "Trần Văn Minh")
    async with signed_in(app, "mai", superuser=False) as staff:
        complaint = (await staff.get("/admin/api/tables/complaint/schema/")).json()
        campaign = (await staff.get("/admin/api/tables/campaign/schema/")).json()
        member = (await staff.get("/admin/api/tables/member/schema/")).json()
        rows = (await staff.get("/admin/api/tables/member/", params={"preferred_channel": "push"})).json()
    statuses = complaint["properties"]["status"]["extra"]["choices"]
    assert statuses["IN_PROGRESS"] == {"display_name": "Đang xử lý", "value": "in_progress"}
    assert complaint["properties"]["priority"]["extra"]["choices"]["URGENT"]["display_name"] == "Khẩn cấp"
    assert campaign["properties"]["schedule"]["extra"]["choices"]["LUNAR"]["display_name"] == "Ngày âm lịch"
    assert campaign["properties"]["status"]["extra"]["choices"]["RUNNING"]["value"] == "running"
    channels = member["properties"]["preferred_channel"]["extra"]["choices"]
    assert {c["value"] for c in channels.values()} == {"push", "zalo", "sms", "email"}
    # The filter sends the code, as before.
    assert [r["preferred_channel"] for r in rows["rows"]] == ["push"]


async def test_amounts_points_and_times_carry_a_format_hint_and_the_page_its_script(app: Any) -> None:
    async with signed_in(app, "mai", superuser=False) as staff:
        purchase = (await staff.get("/admin/api/tables/purchase/schema/")).json()
        member = (await staff.get("/admin/api/tables/member/schema/")).json()
        page = await staff.get("/admin/")
        script = await staff.get("/staff/static/admin_formats.js")
    hints = {name: prop["extra"].get("display_format") for name, prop in purchase["properties"].items()}
    assert hints["amount"] == hints["refunded_amount"] == "vnd"
    assert hints["points_earned"] == "points" and hints["created_at"] == "local_time"
    assert hints["receipt_no"] is None and hints["store"] is None and hints["channel"] is None
    assert purchase["properties"]["created_at"]["extra"]["display_zone"] == "Asia/Ho_Chi_Minh"
    assert member["properties"]["points_balance"]["extra"]["display_format"] == "points"
    assert member["properties"]["birthday"]["extra"]["display_format"] == "day"
    assert page.status_code == 200 and page.text.count('<script src="/staff/static/admin_formats.js" defer>') == 1
    names = page.text.split('<script id="tt-table-names" type="application/json">')[1].split("</script>")[0]
    assert json.loads(names)["complaint_categories"] == "Loại khiếu nại"
    assert script.status_code == 200 and "display_format" in script.text

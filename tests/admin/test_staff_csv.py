"""The campaign results CSV opens in Excel with its Vietnamese intact: UTF-8 with a byte order mark."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.support.campaigns import launched_campaign
from tests.support.staff import sign_in, staff_http


@pytest.fixture
async def staff_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with staff_http(app) as http:
        yield http


@pytest.mark.parametrize("one", [True, False], ids=["one campaign", "all campaigns"])
async def test_the_results_csv_starts_with_a_bom_and_keeps_vietnamese_names(
    staff_client: httpx.AsyncClient, one: bool
) -> None:
    campaign_id = await launched_campaign(name="Tết Nguyên Đán · Lì xì đầu năm")
    await sign_in(staff_client)
    answer = await staff_client.get("/staff/campaigns.csv" + (f"?campaign={campaign_id}" if one else ""))
    assert answer.status_code == 200
    assert answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = answer.headers["content-disposition"]
    expected = rf'attachment; filename="campaign-{campaign_id}-results-\d{{4}}-\d{{2}}-\d{{2}}\.csv"'
    if not one:
        expected = r'attachment; filename="campaign-results-\d{4}-\d{2}-\d{2}\.csv"'
    assert re.fullmatch(expected, disposition), disposition
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["campaign_id"], r["name"]) for r in rows] == [(str(campaign_id), "Tết Nguyên Đán · Lì xì đầu năm")]

"""A customer without the app spends at the till with a code sent to their phone (Zalo, else SMS),
through the real Zalo and SMS clients against local servers that speak their protocols."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from notifications.channels import senders_from_settings
from notifications.config import NotifySettings
from tests.conftest import member_headers
from tests.support.fake_sms import API_KEY, BRAND, SECRET, FakeSms
from tests.support.fake_zalo import APP_ID, FIRST_REFRESH, SECRET_KEY, FakeZalo
from tests.support.rewards import make_reward

PHONE = "0907 555 666"
ZALO_PHONE = "84907555666"
SMS_PHONE = "0907555666"


@pytest.fixture
def fakes() -> Iterator[tuple[FakeZalo, FakeSms]]:
    zalo, sms = FakeZalo().start(), FakeSms().start()
    yield zalo, sms
    zalo.stop()
    sms.stop()


@pytest.fixture
async def channels_on(app: Any, fakes: tuple[FakeZalo, FakeSms], tmp_path: Path) -> Any:
    zalo, sms = fakes
    settings = replace(
        NotifySettings(),
        zalo_app_id=APP_ID,
        zalo_secret_key=SECRET_KEY,
        zalo_refresh_token=FIRST_REFRESH,
        zalo_token_file=str(tmp_path / "zalo-token.json"),
        zalo_api_url=zalo.url,
        zalo_oauth_url=zalo.url,
        zalo_templates={"phone_code": "300001"},
        sms_url=sms.url,
        sms_api_key=API_KEY,
        sms_secret=SECRET,
        sms_brandname=BRAND,
    )
    before = app.state.channels
    app.state.channels = senders_from_settings(settings)
    yield
    for sender in app.state.channels.values():
        await sender.aclose()
    app.state.channels = before


def _zalo_code(zalo: FakeZalo) -> str:
    return str(zalo.sends[-1]["template_data"]["code"])


def _sms_code(sms: FakeSms) -> str:
    found = re.search(r"\b(\d{6})\b", str(sms.sends[-1]["Content"]))
    assert found is not None
    return found.group(1)


async def _customer_with_points(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    enrolled = await client.post("/api/v1/pos/members", headers=till["headers"], json={"phone": PHONE})
    assert enrolled.status_code == 201, enrolled.text
    earned = await client.post(
        "/api/v1/pos/earn", headers=till["headers"], json={"phone": PHONE, "receipt_no": "HD-1", "amount": 1_000_000}
    )
    assert earned.status_code == 201 and earned.json()["points_balance"] == 100, earned.text


async def test_a_phone_only_customer_spends_with_the_zalo_code_and_finds_it_all_in_the_app_later(
    client: httpx.AsyncClient, till: dict[str, Any], fakes: tuple[FakeZalo, FakeSms], channels_on: None
) -> None:
    zalo, sms = fakes
    await _customer_with_points(client, till)
    reward = await make_reward(points_cost=40, stock_left=3)
    sent = await client.post("/api/v1/pos/members/code", headers=till["headers"], json={"phone": PHONE})
    assert sent.status_code == 202 and sent.json()["sent_by"] == "zalo", sent.text
    assert zalo.sends[-1]["phone"] == ZALO_PHONE and not sms.sends
    code = _zalo_code(zalo)

    body = {"phone": PHONE, "phone_code": "000000" if code != "000000" else "111111", "reward_id": reward.id}
    wrong = await client.post("/api/v1/pos/redemptions", headers=till["headers"], json=body)
    assert wrong.status_code == 403 and wrong.json()["code"] == "phone_code_invalid"
    headers = {**till["headers"], "Idempotency-Key": "till-1-spend-1"}
    body = {**body, "phone_code": code, "receipt_no": "HD-2"}
    spent = await client.post("/api/v1/pos/redemptions", headers=headers, json=body)
    assert spent.status_code == 201, spent.text
    assert spent.json()["points_balance"] == 60 and spent.json()["voucher"]["status"] == "redeemed"
    again = await client.post("/api/v1/pos/redemptions", headers=headers, json=body)
    assert again.status_code == 201 and again.json() == spent.json()
    used = await client.post("/api/v1/pos/redemptions", headers=till["headers"], json=body)
    assert used.status_code == 403  # one code, one spend

    app = member_headers("+84907555666")
    me = (await client.get("/api/v1/me", headers=app)).json()
    assert me["points_balance"] == 60
    vouchers = (await client.get("/api/v1/me/vouchers", headers=app)).json()["items"]
    assert [(v["code"], v["status"]) for v in vouchers] == [(spent.json()["voucher"]["code"], "redeemed")]


async def test_the_code_goes_by_sms_when_zalo_refuses_the_number(
    client: httpx.AsyncClient, till: dict[str, Any], fakes: tuple[FakeZalo, FakeSms], channels_on: None
) -> None:
    zalo, sms = fakes
    zalo.replies = {ZALO_PHONE: -108}  # not a Zalo user
    await _customer_with_points(client, till)
    sent = await client.post("/api/v1/pos/members/code", headers=till["headers"], json={"phone": PHONE})
    assert sent.status_code == 202 and sent.json()["sent_by"] == "sms", sent.text
    message = sms.sends[-1]
    assert message["Phone"] == SMS_PHONE and message["Content"].isascii()  # no diacritics on the gateway
    reward = await make_reward(points_cost=30)
    body = {"phone": PHONE, "phone_code": _sms_code(sms), "reward_id": reward.id}
    spent = await client.post("/api/v1/pos/redemptions", headers=till["headers"], json=body)
    assert spent.status_code == 201 and spent.json()["points_balance"] == 70, spent.text


async def test_no_channel_is_503_and_too_many_codes_is_refused(
    client: httpx.AsyncClient, till: dict[str, Any], app: Any
) -> None:
    await _customer_with_points(client, till)
    before, app.state.channels = app.state.channels, {}
    try:
        off = await client.post("/api/v1/pos/members/code", headers=till["headers"], json={"phone": PHONE})
    finally:
        app.state.channels = before
    assert off.status_code == 503 and off.json()["code"] == "phone_code_unavailable"
    unknown = await client.post("/api/v1/pos/members/code", headers=till["headers"], json={"phone": "0907 000 999"})
    assert unknown.status_code == 404 and unknown.json()["code"] == "member_not_found"
    for _ in range(2):
        await client.post("/api/v1/pos/members/code", headers=till["headers"], json={"phone": PHONE})
    flood = await client.post("/api/v1/pos/members/code", headers=till["headers"], json={"phone": PHONE})
    assert flood.status_code == 409 and flood.json()["code"] == "phone_code_rate_limited"

"""Marketing consent given at the counter (with the text read out), and the opt-out link."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from loyalty.schema import AuditLog
from notifications import consent, unsubscribe
from notifications.channels import Channel
from notifications.config import NotifySettings

PHONE = "0907 888 111"
TEXT = "Anh/chị đồng ý nhận tin khuyến mãi của Thân Thiết qua Zalo và SMS; có thể hủy bất cứ lúc nào."


async def _member_id(client: httpx.AsyncClient, till: dict[str, Any]) -> int:
    from loyalty.members import member_by_phone

    await client.post("/api/v1/pos/members", headers=till["headers"], json={"phone": PHONE})
    return (await member_by_phone(PHONE)).id


async def test_the_till_records_answers_with_the_text_read_out(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    member_id = await _member_id(client, till)
    body = {"phone": PHONE, "text_version": "2026-12", "text_read": TEXT, "zalo_marketing": True, "sms_marketing": True}
    answered = await client.put("/api/v1/pos/members/consents", headers=till["headers"], json=body)
    assert answered.status_code == 200, answered.text
    got = answered.json()
    assert (got["zalo_marketing"], got["sms_marketing"], got["email_marketing"]) == (True, True, False)
    assert got["text_version"] == "2026-12"
    proof = await AuditLog.select(AuditLog.detail, AuditLog.staff_username).output(load_json=True)
    (row,) = [r for r in proof if r["detail"].get("text_read")]
    assert row["detail"]["text_read"] == TEXT and row["detail"]["choices"] == {"zalo": True, "sms": True}
    assert row["staff_username"] == f"till {till['terminal_id']}"
    assert (await consent.current(member_id)).zalo_marketing is True

    withdrawn = await client.put(
        "/api/v1/pos/members/consents", headers=till["headers"], json={**body, "sms_marketing": False}
    )
    assert withdrawn.json()["sms_marketing"] is False and withdrawn.json()["zalo_marketing"] is True


async def test_bad_answers_at_the_till_are_4xx(client: httpx.AsyncClient, till: dict[str, Any]) -> None:
    await _member_id(client, till)
    base = {"phone": PHONE, "text_version": "2026-12", "text_read": TEXT}
    cases = [
        (base, 422),  # no answer at all
        ({**base, "text_read": "ok", "zalo_marketing": True}, 422),  # no text read out
        ({**base, "phone": "0907 000 222", "zalo_marketing": True}, 404),
        ({**base, "push_marketing": True}, 422),  # push is the app's to ask
    ]
    for body, status in cases:
        answer = await client.put("/api/v1/pos/members/consents", headers=till["headers"], json=body)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")


KEYED = replace(NotifySettings(), public_base_url="https://loyalty.example.vn", unsubscribe_key="k" * 40)


def test_an_opt_out_link_names_one_member_and_channel_and_cannot_be_bent() -> None:
    url = unsubscribe.opt_out_url(KEYED, 42, Channel.EMAIL)
    assert url is not None and url.startswith("https://loyalty.example.vn/u/42.email.")
    token = url.rsplit("/", 1)[1]
    assert unsubscribe.read_token(KEYED, token) == (42, Channel.EMAIL)
    for bent in (token.replace("42.", "43.", 1), token.replace(".email.", ".sms."), token[:-1] + "0", "x", ""):
        if bent != token:
            with pytest.raises(unsubscribe.BadOptOutLink):
                unsubscribe.read_token(KEYED, bent)
    assert unsubscribe.opt_out_url(NotifySettings(), 42, Channel.EMAIL) is None  # not set up: no link
    with pytest.raises(unsubscribe.BadOptOutLink):
        unsubscribe.read_token(NotifySettings(), token)


async def test_the_link_asks_first_and_the_button_withdraws_that_channel_only(
    client: httpx.AsyncClient, till: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.controllers import opt_out

    monkeypatch.setattr(opt_out, "SETTINGS", KEYED)
    member_id = await _member_id(client, till)
    await consent.set_marketing(member_id, {"email": True, "zalo": True}, text_version="2026-12")
    url = unsubscribe.opt_out_url(KEYED, member_id, Channel.EMAIL)
    assert url is not None
    path = url.removeprefix("https://loyalty.example.vn")
    page = await client.get(path)
    assert page.status_code == 200 and "<form" in page.text and "e-mail" in page.text
    assert (await consent.current(member_id)).email_marketing is True  # opening the link changes nothing
    done = await client.post(path, content=b"List-Unsubscribe=One-Click")
    assert done.status_code == 200 and "Đã hủy nhận tin" in done.text
    now = await consent.current(member_id)
    assert (now.email_marketing, now.zalo_marketing, now.text_version) == (False, True, "opt-out-link")
    forged = await client.post(path[:-2] + "00")
    assert forged.status_code == 404

"""A customer texts "TC" (or HUY, STOP, Từ chối) to the brand name: the gateway posts the inbound
SMS, signed like its delivery reports, and SMS marketing stops; other texts change nothing."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest

from api.controllers import callbacks
from loyalty.members import record_member
from loyalty.schema import AuditLog
from notifications import consent
from notifications.channels import Outgoing, sms_text
from notifications.channels.receipts import sign_sms_callback
from notifications.sms_replies import is_opt_out
from notifications.tables import Consent

SMS_SECRET = "sms-secret"
PATH = "/api/v1/callbacks/sms/inbound"


@pytest.fixture(autouse=True)
def _callback_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callbacks, "SETTINGS", dataclasses.replace(callbacks.SETTINGS, sms_callback_secret=SMS_SECRET))


async def _customer(phone: str = "0907 111 222") -> int:
    member = await record_member(phone)
    await consent.set_marketing(member.id, {"sms": True, "zalo": True}, text_version="2026-11")
    return int(member.id)


async def _mo(client: httpx.AsyncClient, body: dict[str, object], secret: str = SMS_SECRET) -> httpx.Response:
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = {"X-Signature": sign_sms_callback(raw, secret), "content-type": "application/json"}
    return await client.post(PATH, content=raw, headers=headers)


async def _sms_consent(member: int) -> dict[str, object] | None:
    return await (
        Consent.select(Consent.granted, Consent.text_version)
        .where((Consent.member == member) & (Consent.channel == "sms") & (Consent.purpose == "marketing"))
        .first()
    )


async def test_tc_from_the_customer_withdraws_sms_marketing_with_the_text_and_time(
    client: httpx.AsyncClient,
) -> None:
    member = await _customer()
    answer = await _mo(client, {"Phone": "84907111222", "Content": "Từ chối", "MoId": "mo-1"})
    assert answer.status_code == 200 and answer.json() == {"member": True, "opted_out": True}
    assert await _sms_consent(member) == {"granted": False, "text_version": "sms-reply"}
    zalo = await Consent.select(Consent.granted).where((Consent.member == member) & (Consent.channel == "zalo")).first()
    assert zalo == {"granted": True}  # only SMS is withdrawn
    audit = await AuditLog.select(AuditLog.action, AuditLog.target_id, AuditLog.detail).first()
    assert audit is not None and (audit["action"], audit["target_id"]) == ("consent.withdrawn_by_sms", str(member))
    detail = audit["detail"] if isinstance(audit["detail"], dict) else json.loads(audit["detail"])
    assert detail["text"] == "Từ chối" and detail["provider_id"] == "mo-1" and detail["at"]


def test_the_keywords_are_read_without_case_diacritics_or_punctuation() -> None:
    for text in ("TC", "tc", " Tc. ", "HUY", "Hủy", "huỷ!", "STOP", "stop", "TU CHOI", "Từ chối", "tu  choi", "TC ABC"):
        assert is_opt_out(text), text
    for text in ("DK", "YES", "Cam on", "TCB", "HUYEN", "", "Tu van giup toi"):
        assert not is_opt_out(text), text


async def test_other_texts_and_yes_change_nothing_and_are_kept_for_staff(client: httpx.AsyncClient) -> None:
    member = await _customer()
    for text in ("DK", "Cảm ơn shop"):
        answer = await _mo(client, {"Phone": "0907111222", "Content": text})
        assert answer.status_code == 200 and answer.json() == {"member": True, "opted_out": False}
    assert await _sms_consent(member) == {"granted": True, "text_version": "2026-11"}
    actions = [r["action"] for r in await AuditLog.select(AuditLog.action).order_by(AuditLog.id)]
    assert actions == ["sms.reply_ignored", "sms.reply_ignored"]
    stranger = await _mo(client, {"Phone": "0907999888", "Content": "TC"})
    assert stranger.status_code == 200 and stranger.json() == {"member": False, "opted_out": False}
    assert await AuditLog.count() == 2  # a phone that is no member's is not stored


async def test_an_unsigned_or_badly_signed_reply_is_refused_and_changes_nothing(client: httpx.AsyncClient) -> None:
    member = await _customer()
    forged = await _mo(client, {"Phone": "0907111222", "Content": "TC"}, secret="guess")
    assert forged.status_code == 401 and forged.headers["content-type"].startswith("application/problem+json")
    assert forged.json()["code"] == "bad_callback"
    unsigned = await client.post(PATH, json={"Phone": "0907111222", "Content": "TC"})
    assert unsigned.status_code == 401
    empty = await _mo(client, {"Phone": "0907111222"})
    assert empty.status_code == 400 and empty.json()["code"] == "bad_inbound_sms"
    assert await _sms_consent(member) == {"granted": True, "text_version": "2026-11"}
    assert await AuditLog.count() == 0


def test_a_marketing_sms_says_how_to_opt_out() -> None:
    offer = Outgoing(1, "+84907111222", "campaign_gift", "vi", "marketing", "Quà tặng", "Giảm 20% hôm nay")
    assert sms_text(offer, "8077").endswith("Từ chối QC: soạn TC gửi 8077")
    assert sms_text(dataclasses.replace(offer, locale="en")).endswith("Opt out: reply TC")
    notice = dataclasses.replace(offer, kind="points_earned", purpose="transactional", params={"points": "5"})
    assert "TC" not in sms_text(notice, "8077")

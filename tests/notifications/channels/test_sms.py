"""The SMS client against a fake eSMS-style gateway over real HTTP, and the SMS text rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from notifications.channels import SendStatus
from notifications.channels.sms import SmsSender, sms_phone
from notifications.channels.sms_text import TooLong, count_parts, prepare, strip_diacritics
from notifications.config import NotifySettings
from tests.notifications.channels.helpers import outgoing
from tests.support.fake_sms import API_KEY, BRAND, SECRET, FakeSms


@pytest.fixture
def gateway() -> Iterator[FakeSms]:
    fake = FakeSms().start()
    yield fake
    fake.stop()


def settings(fake: FakeSms, **changes: object) -> NotifySettings:
    base = replace(
        NotifySettings(),
        sms_url=fake.url,
        sms_api_key=API_KEY,
        sms_secret=SECRET,
        sms_brandname=BRAND,
        sms_cost_per_part_vnd=800,
        sms_callback_url="https://shop.example/api/v1/callbacks/sms",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def test_every_reply_is_its_status_with_cost_by_part(gateway: FakeSms) -> None:
    gateway.replies = {
        "0900000002": "108",
        "0900000003": "103",
        "0900000004": "104",
        "0900000005": "146",
        "0900000006": "99",
    }
    sender = SmsSender(settings(gateway))
    batch = [outgoing(i, f"+8490000000{i}") for i in range(1, 7)]
    try:
        results = await sender.send(batch)
    finally:
        await sender.aclose()
    assert [r.status for r in results] == [
        SendStatus.SENT,
        SendStatus.INVALID_ADDRESS,
        SendStatus.OVER_QUOTA,
        SendStatus.REJECTED,
        SendStatus.REJECTED,
        SendStatus.INVALID_ADDRESS,
    ]
    assert results[0].provider_id == "sms-1" and results[0].parts == 1 and results[0].cost_vnd == 800
    assert all(r.cost_vnd == 0 for r in results[1:])
    # The batch's requests go at once: the first message's is found by its id, not by arrival.
    sent = next(s for s in gateway.sends if s["RequestId"] == "1")
    assert sent["Phone"] == "0900000001" and sent["Brandname"] == BRAND and sent["SmsType"] == "2"
    assert sent["IsUnicode"] == "0" and sent["RequestId"] == "1"
    assert sent["Content"] == "Ban vua nhan 120 diem. So du: 1.250 diem."
    assert sent["CallbackUrl"].endswith("/callbacks/sms")


async def test_the_estimate_is_the_cost_the_send_reports_even_for_long_texts(gateway: FakeSms) -> None:
    sender = SmsSender(settings(gateway))
    long = replace(
        outgoing(1, "+84900000001", kind="campaign_gift"),
        title="Quà tặng sinh nhật dành riêng cho bạn",
        body="Nhận ngay voucher giảm 20% tại mọi cửa hàng đến hết tháng này, mang theo mã khi đến quầy nhé.",
    )
    try:
        estimate = sender.estimate_vnd(long)
        [result] = await sender.send([long])
    finally:
        await sender.aclose()
    assert result.status is SendStatus.SENT and result.parts == 1
    assert estimate == result.cost_vnd == 800


async def test_unicode_costs_more_parts_and_keeps_the_diacritics(gateway: FakeSms) -> None:
    sender = SmsSender(settings(gateway, sms_unicode=True))
    message = replace(
        outgoing(1, "+84900000001", kind="campaign_gift"),
        title="Quà tặng sinh nhật dành riêng cho bạn",
        body="Nhận ngay voucher giảm 20% tại mọi cửa hàng đến hết tháng này.",
    )
    try:
        estimate = sender.estimate_vnd(message)
        [result] = await sender.send([message])
    finally:
        await sender.aclose()
    assert gateway.sends[0]["IsUnicode"] == "1" and "Quà tặng" in gateway.sends[0]["Content"]
    assert result.parts == 2 and result.cost_vnd == estimate == 1600


async def test_too_many_parts_is_rejected_without_a_request(gateway: FakeSms) -> None:
    sender = SmsSender(settings(gateway, sms_max_parts=1))
    message = replace(outgoing(1, "+84900000001", kind="campaign_gift"), title="x" * 100, body="y" * 100)
    try:
        [result] = await sender.send([message])
    finally:
        await sender.aclose()
    assert result.status is SendStatus.REJECTED and gateway.sends == []
    assert sender.estimate_vnd(message) == 0


async def test_a_message_sent_again_after_a_crash_is_not_sent_twice(gateway: FakeSms) -> None:
    sender = SmsSender(settings(gateway))
    try:
        first = await sender.send([outgoing(7, "+84900000001")])
        again = await sender.send([outgoing(7, "+84900000001")])
    finally:
        await sender.aclose()
    assert first[0].status is again[0].status is SendStatus.SENT
    assert [s["RequestId"] for s in gateway.sends] == ["7", "7"]  # the gateway refused the second as 124


async def test_wrong_credentials_fail_and_an_unreachable_gateway_is_retry(gateway: FakeSms) -> None:
    sender = SmsSender(settings(gateway, sms_secret="wrong"))
    try:
        [bad] = await sender.send([outgoing(1, "+84900000001")])
    finally:
        await sender.aclose()
    assert bad.status is SendStatus.FAILED and bad.error.startswith("101")
    down = SmsSender(settings(gateway, sms_url="http://127.0.0.1:9/"))
    try:
        [result] = await down.send([outgoing(2, "+84900000001")])
    finally:
        await down.aclose()
    assert result.status is SendStatus.RETRY


def test_vietnamese_without_diacritics() -> None:
    assert (
        strip_diacritics("Đặng Thị Ánh Tuyết, bạn được ưu đãi ở cửa hàng")
        == "Dang Thi Anh Tuyet, ban duoc uu dai o cua hang"
    )
    every_vowel = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    assert set(strip_diacritics(every_vowel)) <= set("aeiouyd")
    assert strip_diacritics(every_vowel.upper()).isascii()


def test_part_counting() -> None:
    assert count_parts("a" * 160).parts == 1 and count_parts("a" * 161).parts == 2
    assert count_parts("a" * 306).parts == 2 and count_parts("a" * 307).parts == 3
    assert count_parts("{" * 80).units == 160  # extension characters take two septets
    assert count_parts("ạ" * 70).parts == 1 and count_parts("ạ" * 71).parts == 2
    assert count_parts("ạ" * 134).parts == 2 and count_parts("ạ" * 135).parts == 3
    with pytest.raises(TooLong):
        prepare("ạ" * 71, unicode=True, max_parts=1)
    assert prepare("ạ" * 71, unicode=False, max_parts=1)[1].encoding == "gsm7"


def test_phone_forms() -> None:
    assert sms_phone("+84912345678") == "0912345678"

"""The SMTP client against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from notifications.channels import SendStatus
from notifications.channels.email import EmailSender
from notifications.config import NotifySettings
from tests.notifications.channels.helpers import outgoing
from tests.support.fake_smtp import FakeSmtp


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    server = FakeSmtp(refuse_550={"nobody@shop.example"}, refuse_451={"busy@shop.example"}).start()
    yield server
    server.stop()


def settings(server: FakeSmtp) -> NotifySettings:
    return replace(
        NotifySettings(),
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_starttls=False,
        mail_from="Thân Thiết <care@shop.example>",
        email_cost_vnd=0,
    )


async def test_accepted_refused_and_deferred_in_one_connection(smtp: FakeSmtp) -> None:
    sender = EmailSender(settings(smtp))
    batch = [
        outgoing(1, "an@shop.example"),
        outgoing(2, "nobody@shop.example"),
        outgoing(3, "busy@shop.example"),
        outgoing(4, "binh@shop.example", locale="en"),
    ]
    results = await sender.send(batch)
    assert [r.status for r in results] == [
        SendStatus.SENT,
        SendStatus.INVALID_ADDRESS,
        SendStatus.RETRY,
        SendStatus.SENT,
    ]
    assert results[1].error.startswith("550") and results[2].error.startswith("451")
    assert smtp.handler.connections == 1
    assert [m["To"] for m in smtp.received] == ["an@shop.example", "binh@shop.example"]
    assert results[0].provider_id == smtp.received[0]["Message-ID"]
    assert all(r.cost_vnd == 0 for r in results)


async def test_both_parts_and_the_vietnamese_subject_read_back(smtp: FakeSmtp) -> None:
    await EmailSender(settings(smtp)).send([outgoing(1, "an@shop.example")])
    [mail] = smtp.received
    assert mail["Subject"] == "Bạn vừa nhận 120 điểm"
    assert str(mail["From"]) == "Thân Thiết <care@shop.example>"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",))
    page = mail.get_body(preferencelist=("html",))
    assert text is not None and page is not None
    assert "Số dư hiện tại: 1.250 điểm." in text.get_content()
    assert "Số dư hiện tại: 1.250 điểm." in page.get_content()
    assert "List-Unsubscribe" not in mail


async def test_marketing_mail_has_one_click_unsubscribe(smtp: FakeSmtp) -> None:
    message = outgoing(
        1, "an@shop.example", kind="campaign_gift", purpose="marketing", unsubscribe_url="https://shop.example/u/t0k"
    )
    await EmailSender(settings(smtp)).send([message])
    [mail] = smtp.received
    assert mail["List-Unsubscribe"] == "<https://shop.example/u/t0k>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None and "https://shop.example/u/t0k" in text.get_content()


async def test_no_server_is_retry_for_the_whole_batch(smtp: FakeSmtp) -> None:
    s = replace(settings(smtp), smtp_port=9)
    results = await EmailSender(s).send([outgoing(1, "an@shop.example"), outgoing(2, "binh@shop.example")])
    assert [r.status for r in results] == [SendStatus.RETRY, SendStatus.RETRY]


async def test_a_malformed_address_is_invalid_without_smtp(smtp: FakeSmtp) -> None:
    [result] = await EmailSender(settings(smtp)).send([outgoing(1, "not an address")])
    assert result.status is SendStatus.INVALID_ADDRESS and smtp.received == []

"""The message benchmark's anchor: a raw client posting the senders' requests, nothing else.

    .venv/bin/python -m bench.messages_anchor ZALO_URL SMS_URL SMTP_PORT COUNT

In its own process, against the same fake servers (``bench.messages_servers``, a fresh process
of them), it sends COUNT messages per channel, one channel after the other as a worker's rounds
do, and prints one JSON line with each channel's messages per second:

* Zalo: one OAuth refresh (not timed), then ``POST /message/template`` with the ``access_token``
  header through one ``httpx.AsyncClient`` at the sender's concurrency
  (``ZaloZnsSender``: 16 requests in flight);
* SMS: ``POST`` of eSMS's JSON through one ``httpx.AsyncClient``, 16 in flight (``SmsSender``);
* e-mail: ``aiosmtplib``, one connection per batch of ``send_batch`` (500) messages sent one
  after another, as ``EmailSender`` does.

The bodies are built before the clock starts with the senders' own helpers (the ZNS template
data, the SMS text), so the same bytes go on the wire and the raw side pays only for posting
them: no database, no claim, no answers written back. An e-mail's MIME message is built inside
the clock (``email``: building it is as much part of sending a mail as encoding the JSON is of
posting it) and, for comparison, before it (``email_prebuilt_mime``: only flattening it and the
SMTP dialogue are timed); the ratio uses the first.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiosmtplib
import httpx

from notifications.channels.base import Outgoing
from notifications.channels.email import EmailSender
from notifications.channels.sms import SmsSender, sms_phone
from notifications.channels.templates import zns_data, zns_template_id
from notifications.channels.zalo import zalo_phone
from notifications.config import NotifySettings
from tests.support.fake_sms import API_KEY, BRAND, SECRET
from tests.support.fake_zalo import APP_ID, FIRST_REFRESH, SECRET_KEY

LANES = 16  # ZaloZnsSender's and SmsSender's default concurrency
BATCH = NotifySettings.send_batch


def outgoing(i: int, address: str) -> Outgoing:
    """A campaign gift's message as the worker claims it (the words of bench.messages' campaign)."""
    title, body = f"Quà cho Member {i}", "Tặng bạn 10 điểm"
    return Outgoing(
        delivery_id=i,
        address=address,
        kind="campaign_gift",
        locale="vi",
        purpose="marketing",
        title=title,
        body=body,
        params={"title": title, "body": body, "campaign": "Bench messages", "points": "10", "message_id": str(i)},
        unsubscribe_url=f"http://127.0.0.1:8000/u/{i}.email.0123456789abcdef",
    )


async def lanes(count: int, send: Callable[[int], Awaitable[bool]]) -> tuple[float, int]:
    """``count`` sends, ``LANES`` at a time; (seconds, failures)."""
    pending = list(range(count, 0, -1))
    failed = 0

    async def lane() -> None:
        nonlocal failed
        while pending:
            failed += not await send(pending.pop())

    started = time.monotonic()
    await asyncio.gather(*(lane() for _ in range(LANES)))
    return time.monotonic() - started, failed


async def zalo(base: str, count: int) -> tuple[float, int]:
    bodies = {
        i: {
            "phone": zalo_phone(f"+849{i:08d}"),
            "template_id": zns_template_id("campaign_gift", {}),
            "template_data": zns_data(outgoing(i, f"+849{i:08d}")),
            "tracking_id": str(i),
        }
        for i in range(1, count + 1)
    }
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(
            f"{base}/v4/oa/access_token",
            headers={"secret_key": SECRET_KEY},
            data={"app_id": APP_ID, "grant_type": "refresh_token", "refresh_token": FIRST_REFRESH},
        )
        headers = {"access_token": str(answer.json()["access_token"])}
        url = f"{base}/message/template"

        async def send(i: int) -> bool:
            try:
                response = await client.post(url, headers=headers, json=bodies[i])
            except httpx.HTTPError:
                return False
            return response.status_code == 200 and response.json().get("error") == 0

        return await lanes(count, send)


async def sms(url: str, count: int) -> tuple[float, int]:
    sender = SmsSender(
        replace(NotifySettings(), sms_url=url, sms_api_key=API_KEY, sms_secret=SECRET, sms_brandname=BRAND)
    )
    await sender.aclose()
    bodies = {}
    for i in range(1, count + 1):
        message = outgoing(i, f"+849{i:08d}")
        content, _ = sender.text(message)
        bodies[i] = {
            "ApiKey": API_KEY,
            "SecretKey": SECRET,
            "Phone": sms_phone(message.address),
            "Content": content,
            "Brandname": BRAND,
            "SmsType": "2",
            "IsUnicode": "0",
            "RequestId": str(i),
        }
    async with httpx.AsyncClient(timeout=30) as client:

        async def send(i: int) -> bool:
            try:
                response = await client.post(url, json=bodies[i])
            except httpx.HTTPError:
                return False
            return response.status_code == 200 and response.json().get("CodeResult") == "100"

        return await lanes(count, send)


async def email(port: int, count: int, *, prebuilt: bool = False) -> tuple[float, int]:
    """``count`` e-mails, 500 a connection. The MIME message is built inside the clock (any client
    must build one: ``EmailSender.message``, the stdlib's ``EmailMessage``), or with ``prebuilt``
    before it, leaving only aiosmtplib's flattening and the SMTP dialogue."""
    sender = EmailSender(replace(NotifySettings(), smtp_host="127.0.0.1", mail_from="Thân Thiết <tin@bench.example>"))
    first = count + 1 if prebuilt else 1  # ids of their own: each run's Message-IDs stay distinct
    messages = [outgoing(i, f"m{i}@bench.example") for i in range(first, first + count)]
    mails = [sender.message(m) for m in messages] if prebuilt else []
    failed = 0
    started = time.monotonic()
    for start in range(0, count, BATCH):
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=30)
        await smtp.connect()
        for index in range(start, min(start + BATCH, count)):
            mail = mails[index] if prebuilt else sender.message(messages[index])
            try:
                await smtp.send_message(mail)
            except aiosmtplib.SMTPException:
                failed += 1
        await smtp.quit()
    return time.monotonic() - started, failed


async def anchor(zalo_url: str, sms_url: str, smtp_port: int, count: int) -> dict[str, Any]:
    out: dict[str, Any] = {"raw_client": "httpx.AsyncClient (Zalo, SMS: 16 in flight), aiosmtplib (500 a connection)"}
    runs: dict[str, Callable[[], Awaitable[tuple[float, int]]]] = {
        "zalo": lambda: zalo(zalo_url, count),
        "sms": lambda: sms(sms_url, count),
        "email": lambda: email(smtp_port, count),
        "email_prebuilt_mime": lambda: email(smtp_port, count, prebuilt=True),
    }
    total = 0.0
    for channel, run in runs.items():
        seconds, failed = await run()
        total += seconds
        out[channel] = {
            "sent": count,
            "failed": failed,
            "seconds": round(seconds, 2),
            "msg_per_s": round(count / seconds),
        }
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
    # Bodies built before the clock included (small beside the sends): an upper bound.
    out["cpu_ms_per_message"] = round(1000 * out["cpu_s"] / (count * len(runs)), 2)
    out["seconds"] = round(total, 2)
    return out


def main() -> None:
    zalo_url, sms_url, smtp_port, count = sys.argv[1:5]
    print(json.dumps(asyncio.run(anchor(zalo_url, sms_url, int(smtp_port), int(count)))))


if __name__ == "__main__":
    main()

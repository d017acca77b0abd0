"""The message benchmark's members, their consents and the campaign, and the check afterwards.

Members are made set-wise in SQL; by ``id % 10`` (the routing each one must get):

==========  ==================  ==========================  ======================
id % 10     preferred channel   marketing consent           the campaign's message
==========  ==================  ==========================  ======================
0, 1        zalo                zalo                        Zalo
2           push                zalo                        Zalo (push is not one of the campaign's channels)
3, 4        sms                 sms                         SMS
5, 6        email               email (and an address)      e-mail
7           sms                 zalo, sms, email            SMS (the preferred one)
8           push                push (and a device)         none: push only
9           push                none                        none
==========  ==================  ==========================  ======================

The campaign (channels ``zalo,sms,email``, a 10-point gift to everyone) is created, launched and
given through ``loyalty.campaigns`` as staff and the ``campaigns.run`` job would; the worker then
makes and sends its messages.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

CAMPAIGN_CHANNELS = ("zalo", "sms", "email")
ORDER = ("push", "zalo", "sms", "email")  # notifications.routing.ORDER, written out to check it
# A message sent: Zalo and SMS wait as ``sent`` for a receipt; e-mail the server took is ``delivered``.
DONE = {"zalo": "sent", "sms": "sent", "email": "delivered"}


async def seed_and_launch(count: int) -> dict[str, Any]:
    """Members, consents, devices; then the campaign launched and given. Returns timings."""
    from loyalty.db.engines import close_pool, is_sqlite, open_pool
    from loyalty.schema import Member

    await open_pool(max_size=4)
    try:
        now = datetime.now(UTC)
        started = time.monotonic()
        if is_sqlite():
            source, pad, series = (
                "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {}) ",
                "printf('%08d', g)",
                "FROM s",
            )
            args: list[Any] = [count, now, now]
        else:
            source, pad, series = "", "lpad(g::text, 8, '0')", "FROM generate_series(1, {}) AS g"
            args = [now, now, count]
        await Member.raw(
            f"{source}INSERT INTO member (public_id, phone, name, email, gender, locale, address, city, timezone, "
            "points_balance, card_secret, last_card_step, ledger_head, created_at, updated_at) "
            f"SELECT 'M' || {pad}, '+849' || {pad}, 'Member ' || g, NULL, 'female', "
            "CASE WHEN g % 7 = 0 THEN 'en' ELSE 'vi' END, '', '', 'Asia/Ho_Chi_Minh', 0, 'JBSWY3DPEHPK3PXP', 0, '', "
            f"{{}}, {{}} {series}",
            *args,
        )
        await Member.raw(
            "UPDATE member SET preferred_channel = CASE WHEN id % 10 IN (0, 1) THEN 'zalo' "
            "WHEN id % 10 IN (3, 4, 7) THEN 'sms' WHEN id % 10 IN (5, 6) THEN 'email' ELSE 'push' END, "
            "email = CASE WHEN id % 10 IN (5, 6, 7) THEN 'm' || id || '@bench.example' ELSE NULL END"
        )
        await Member.raw(
            "INSERT INTO device (member, token, platform) "
            "SELECT id, 'ok-bench-' || id, 'android' FROM member WHERE id % 10 = 8"
        )
        for channel, remainders in (("zalo", "0, 1, 2, 7"), ("sms", "3, 4, 7"), ("email", "5, 6, 7"), ("push", "8")):
            await Member.raw(
                "INSERT INTO consent (member, channel, purpose, granted, text_version, updated_at) "
                f"SELECT id, '{channel}', 'marketing', {{}}, '2026-11', {{}} FROM member "
                f"WHERE id % 10 IN ({remainders})",
                True,
                now,
            )
        await Member.raw("ANALYZE")
        seeded = time.monotonic() - started
        started = time.monotonic()
        given = await _launch_and_give(now)
        return {"seed_s": round(seeded, 2), "campaign_fan_out_s": round(time.monotonic() - started, 2), "gifts": given}
    finally:
        await close_pool()


async def _launch_and_give(now: datetime) -> int:
    from loyalty import campaigns
    from loyalty.schema import Campaign

    campaign_id = await campaigns.create_campaign(
        {
            "name": "Bench messages",
            "audience": "everyone",
            "gift_kind": "points",
            "gift_points": 10,
            "channels": ",".join(CAMPAIGN_CHANNELS),
            "title_vi": "Quà cho $name",
            "title_en": "A gift for $name",
            "message_vi": "Tặng bạn $points điểm",
            "message_en": "Here are $points points",
            "schedule": "once",
            "run_at": now - timedelta(minutes=1),
        }
    )
    await campaigns.change_status(campaign_id, "launch")
    given = 0
    while True:
        done = await campaigns.run_campaign(campaign_id, now=now, max_batches=100_000)
        given += done
        row = await Campaign.select(Campaign.status).where(Campaign.id == campaign_id).first()
        if row is None or row["status"] == "finished" or not done:
            return given


def expected_channel(preferred: str, reachable: set[str]) -> str | None:
    """The rule of docs/operations.md ("Which channel a message takes"), for the campaign's channels."""
    for channel in [preferred, *ORDER]:
        if channel in CAMPAIGN_CHANNELS and channel in reachable:
            return channel
    return None


async def check(url: str) -> dict[str, Any]:
    """Every member with a usable consented channel got exactly one delivery, done, on the channel
    the routing rule picks; no one else got any."""
    rows = await _fetch(
        url,
        [
            "SELECT id, preferred_channel, phone, email FROM member",
            "SELECT member, channel FROM consent WHERE purpose = 'marketing' AND granted",
            "SELECT member, channel, status FROM delivery",
            "SELECT COUNT(*) FROM inbox_message",
        ],
    )
    members, consents, deliveries, messages = rows
    granted: dict[int, set[str]] = {}
    for member, channel in consents:
        granted.setdefault(int(member), set()).add(str(channel))
    got: dict[int, list[tuple[str, str]]] = {}
    for member, channel, status in deliveries:
        got.setdefault(int(member), []).append((str(channel), str(status)))
    wrong: list[str] = []
    per_channel: dict[str, int] = {}
    reached = unreached = 0
    for member, preferred, phone, email in members:
        usable = {c for c in granted.get(int(member), set()) if (email if c == "email" else phone)}
        want = expected_channel(str(preferred), usable)
        have = got.get(int(member), [])
        if want is None:
            unreached += 1
            if have:
                wrong.append(f"member {member}: {have}, expected none")
            continue
        reached += 1
        done = DONE[want]
        if have != [(want, done)]:
            wrong.append(f"member {member}: {have}, expected [({want!r}, {done!r})]")
        for channel, _ in have:
            per_channel[channel] = per_channel.get(channel, 0) + 1
    return {
        "members": len(members),
        "messages": int(messages[0][0]),
        "reached": reached,
        "unreached": unreached,
        "deliveries": len(deliveries),
        "deliveries_per_channel": per_channel,
        "wrong": len(wrong),
        "wrong_examples": wrong[:5],
        "ok": not wrong,
    }


async def _fetch(url: str, queries: list[str]) -> list[list[tuple[Any, ...]]]:
    if url.startswith("sqlite"):
        import sqlite3

        def read() -> list[list[tuple[Any, ...]]]:
            with sqlite3.connect(url[len("sqlite:///") :]) as connection:
                return [connection.execute(q).fetchall() for q in queries]

        return await asyncio.to_thread(read)
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        return [[tuple(r) for r in await connection.fetch(q)] for q in queries]
    finally:
        await connection.close()

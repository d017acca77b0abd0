"""The seed and the checks of ``bench.scale``: what the storm starts from, and whether what the
API answered is what the database holds once the storm is over."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.push import PROJECT
from bench.scale_storm import REWARD_COST, Outcomes, Seeded

ROOT = Path(__file__).resolve().parent.parent


async def seed(members: int, stores: int, tills_per_store: int) -> Seeded:
    """Tiers, stores and tills, members (each with a device and marketing consent for pushes), a
    reward, and a points campaign to everyone, launched: the first worker to start runs it."""
    import pyotp

    from loyalty import campaigns, db
    from loyalty.members import stores as shops
    from loyalty.members.accounts import new_public_id
    from loyalty.schema import Member, Reward
    from loyalty.setup import demo
    from loyalty.setup.dev_tokens import mint

    await demo.seed_tiers()
    tills: list[tuple[int, str]] = []
    for s in range(1, stores + 1):
        store = await shops.create_store(f"S{s}", f"Scale store {s}")
        for t in range(tills_per_store):
            tills.append((store.id, (await shops.create_terminal(f"S{s}", f"Till {t + 1}")).key))
    for start in range(0, members, 500):
        await Member.insert(
            *(
                Member(
                    public_id=new_public_id(),
                    name=f"Scale {i}",
                    card_secret=pyotp.random_base32(),
                    firebase_uid=f"scale-{i}",
                    phone=f"+8491{i:07d}",
                )
                for i in range(start, min(start + 500, members))
            )
        )
    await db.execute("INSERT INTO device (member, token, platform) SELECT id, 'ok-scale-' || id, 'android' FROM member")
    await db.execute(
        "INSERT INTO consent (member, channel, purpose, granted, text_version, updated_at) "
        "SELECT id, 'push', 'marketing', true, '2026-11', now() FROM member"
    )
    now = datetime.now(UTC)
    reward = Reward(name_vi="Cà phê", name_en="Coffee", points_cost=REWARD_COST, valid_from=now - timedelta(days=1))
    await reward.save()
    campaign = await campaigns.create_campaign(
        {
            "name": "Scale gift",
            "audience": "everyone",
            "gift_kind": "points",
            "gift_points": 10,
            "title_vi": "Quà cho $name",
            "title_en": "A gift for $name",
            "message_vi": "Tặng bạn $points điểm",
            "message_en": "Here are $points points",
            "schedule": "once",
            "run_at": now - timedelta(minutes=1),
        }
    )
    await campaigns.change_status(campaign, "launch")
    rows = await Member.select(Member.id, Member.public_id, Member.card_secret, Member.firebase_uid, Member.phone)
    people = [
        (r["id"], r["public_id"], r["card_secret"], mint(PROJECT, phone=r["phone"], uid=r["firebase_uid"]))
        for r in rows
    ]
    return Seeded(tills, people, reward.id)


async def check_all(
    env: dict[str, str], out: Outcomes, fcm: dict[str, Any], kills: dict[str, int], send_batch: int
) -> tuple[dict[str, Any], list[str]]:
    from loyalty import db

    failures: list[str] = []
    ledger = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "piccolo.main", "loyalty", "check_ledger"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    if ledger.returncode != 0:
        failures.append(f"check_ledger failed: {(ledger.stdout + ledger.stderr)[-500:]}")

    counts = await _reference_counts("earn:%")
    answered_earns = {f"earn:{key}" for key in out.earns}
    bad = [r for r in answered_earns if counts.get(r) != 1]
    if bad:
        failures.append(f"{len(bad)} answered earns not in the ledger exactly once, e.g. {bad[:3]}")
    unanswered = len(set(counts) - answered_earns)

    redeemed = await _reference_counts("redeem:%")
    bad = [f"redeem:{m}:{k}" for m, k in out.redemptions if redeemed.get(f"redeem:{m}:{k}") != 1]
    if bad:
        failures.append(f"{len(bad)} answered redemptions not in the ledger exactly once, e.g. {bad[:3]}")

    refunded = {
        f"{r['store']}:{r['receipt_no']}": (int(r["id"]), int(r["refunded_amount"]))
        for r in await db.fetch("SELECT id, store, receipt_no, refunded_amount FROM purchase WHERE refunded_amount > 0")
    }
    reversals = await _reference_counts("refund:%")
    bad = []
    for key, amount in out.refunds.items():
        purchase, total = refunded.get(key, (0, 0))
        if total != amount or reversals.get(f"refund:{purchase}:{amount}") != 1:
            bad.append(key)
    if bad:
        failures.append(f"{len(bad)} answered refunds not recorded exactly once, e.g. {bad[:3]}")

    statuses = {
        r["status"]: int(r["n"]) for r in await db.fetch("SELECT status, COUNT(*) AS n FROM delivery GROUP BY status")
    }
    waiting = {s: n for s, n in statuses.items() if s != "sent"}
    if waiting:
        failures.append(f"deliveries not sent: {waiting}")
    sent = statuses.get("sent", 0)
    if fcm["unique_deliveries"] != sent:
        failures.append(f"the fake FCM received {fcm['unique_deliveries']} distinct deliveries, {sent} are sent")
    worker_kills = sum(n for name, n in kills.items() if name.startswith("worker"))
    if fcm["duplicates"] > worker_kills * send_batch:
        failures.append(f"{fcm['duplicates']} duplicate pushes for {worker_kills} worker kills of {send_batch} each")
    server_errors = {k: n for k, n in out.errors.items() if " 500 " in f" {k} "}
    if server_errors:
        failures.append(f"500 answers: {server_errors}")
    campaign = await db.fetchrow("SELECT status, gifts_issued FROM campaign ORDER BY id LIMIT 1")
    figures: dict[str, Any] = {
        "answered": dict(out.answered),
        "answered_after_retry": dict(out.retried),
        "refused_4xx": dict(out.refused),
        "gave_up_no_answer": dict(out.gave_up),
        "errors_by_kind": dict(out.errors),
        "earns_answered_2xx": len(out.earns),
        "earns_credited_never_answered": unanswered,
        "redemptions_answered": len(out.redemptions),
        "refunds_answered": len(out.refunds),
        "kills": kills,
        "deliveries": statuses,
        "fcm_pushes_ok": fcm["ok"],
        "fcm_duplicates": fcm["duplicates"],
        "duplicate_bound": worker_kills * send_batch,
        "campaign": dict(campaign) if campaign else None,
        "check_ledger": (ledger.stdout.strip().splitlines() or ["?"])[-1],
        "p50_ms": _pct(out.latencies_ms, 0.5),
        "p99_ms": _pct(out.latencies_ms, 0.99),
    }
    return figures, failures


async def _reference_counts(pattern: str) -> dict[str, int]:
    from loyalty import db

    rows = await db.fetch(
        "SELECT reference, COUNT(*) AS n FROM ledger_entry WHERE reference LIKE $1 GROUP BY reference", pattern
    )
    return {r["reference"]: int(r["n"]) for r in rows}


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

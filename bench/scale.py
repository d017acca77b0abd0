"""Scale test that tries to break it: 2 API processes and 2 workers on PostgreSQL under a storm of
earns, redemptions and refunds from many tills, a campaign giving points to every member and
pushes going out to a local fake FCM, while a random process is killed (-9) every few seconds
and started again.

    .venv/bin/python -m bench.scale --seconds 30      # CI's short run
    .venv/bin/python -m bench.scale --seconds 600     # the long one, by hand

The database (``--database-url``, default ``thanthiet_scale`` on 127.0.0.1) is created if
missing and its schema DROPPED AND RECREATED: give it a throw-away one. It is migrated and seeded
(stores and tills, members with a device and marketing consent, a reward, a points campaign to
everyone, launched), then the processes start: ``python -m api.serve`` twice (one process each,
on two ports) and ``python -m notifications.worker`` twice, pushing over HTTPS + HTTP/2 to the
fake FCM. The storm (``bench.scale_storm``) runs for ``--seconds``; every ``--kill-every``
seconds (± half) one of the four is killed with SIGKILL and started again at once, until the
storm's end (requests still in flight then are retried until answered, as a till does).

Afterwards, with every process up again and the workers left to drain (at most
``--drain-seconds``), it checks and exits 1 on any failure:

* ``piccolo loyalty check_ledger`` passes (against the checkpoints the workers sealed);
* every earn, redemption and refund the API answered 2xx is in the ledger exactly once (by its
  reference), and a refunded purchase was refunded exactly the amount answered;
* every delivery is sent (none pending, held or failed) and the fake FCM received each of them;
* the fake FCM's duplicates (one message pushed twice to one device) are at most one claimed
  batch (``NOTIFY_SEND_BATCH``) per worker killed.

It prints its figures (requests answered, retried, refused and lost, errors by kind, kills,
duplicates, drain time) and writes them to bench/results/scale-<seconds>s.txt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.push import PROJECT, fake_fcm, stats
from bench.scale_checks import check_all, seed
from bench.scale_storm import Storm

ROOT = Path(__file__).resolve().parent.parent
SEND_BATCH = 100
LEASE_S = 10


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    kills: int = 0

    def start(self) -> None:
        out = self.log.open("ab")
        self.popen = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out, stderr=out)
        out.close()

    def kill(self) -> None:
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def processes(url: str, ports: list[int], folder: Path, fcm: tuple[str, str, str]) -> list[Process]:
    from tests.support.fake_fcm import write_service_account

    plain, tls, cert = fcm
    account = write_service_account(folder / "sa.json", token_uri=f"{plain}/token", project_id=PROJECT)
    base = {
        **os.environ,
        "DATABASE_URL": url,
        "APP_ENV": "development",
        "FIREBASE_PROJECT_ID": PROJECT,
        "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
        "EMBEDDED_WORKER": "false",
        "LOG_LEVEL": "WARNING",
        **ledger_seal(folder),
    }
    api = {**base, "API_PROCESSES": "1", "TERMINAL_RATE_LIMIT_PER_MINUTE": "100000000"}
    api["MEMBER_RATE_LIMIT_PER_MINUTE"] = "100000000"
    worker = {
        **base,
        "GOOGLE_APPLICATION_CREDENTIALS": str(account),
        "FCM_ENDPOINT": tls,
        "SSL_CERT_FILE": cert,
        "NOTIFY_SEND_BATCH": str(SEND_BATCH),
        "NOTIFY_LEASE_SECONDS": str(LEASE_S),
        "NOTIFY_QUIET_HOURS": "00:00-00:00",  # no quiet hours: the campaign's pushes go out now
        "NOTIFY_MARKETING_CAP": "1000",
        "WORKER_POLL_SECONDS": "0.5",
    }
    made = [
        Process(
            f"api-{n + 1}", [sys.executable, "-m", "api.serve"], {**api, "PORT": str(p)}, folder / f"api-{n + 1}.log"
        )
        for n, p in enumerate(ports)
    ]
    made += [
        Process(f"worker-{n}", [sys.executable, "-m", "notifications.worker"], worker, folder / f"worker-{n}.log")
        for n in (1, 2)
    ]
    return made


def ledger_seal(folder: Path) -> dict[str, str]:
    """This run's signing key and checkpoints (the worker seals the ledger hourly, and at once
    when it starts): another run's checkpoints are of another database."""
    return {
        "LEDGER_SIGNING_KEY_FILE": str(folder / "ledger-signing-key.pem"),
        "LEDGER_CHECKPOINT_DIR": str(folder / "ledger-checkpoints"),
    }


async def chaos(procs: list[Process], every_s: float, until: float, rng: random.Random) -> None:
    """Kill one process with SIGKILL every ``every_s`` (± half) and start it again, until the
    storm's end: its last requests then meet every process up."""
    while True:
        pause = rng.uniform(every_s / 2, every_s * 1.5)
        if time.monotonic() + pause >= until:
            return
        await asyncio.sleep(pause)
        victim = rng.choice(procs)
        victim.kill()
        victim.start()


async def healthy(base: str, seconds: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(base + "/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{base} did not become healthy")


async def main(args: argparse.Namespace) -> int:
    from bench.earn import free_port

    url = args.database_url
    folder = Path(tempfile.mkdtemp(prefix="thanthiet-scale-"))
    seeded = await seed(args.members, args.stores, args.tills_per_store)
    fake, plain, tls, cert = fake_fcm()
    ports = [free_port(), free_port()]
    procs = processes(url, ports, folder, (plain, tls, cert))
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    storm = Storm(seeded, bases)
    try:
        for proc in procs:
            proc.start()
        await asyncio.gather(*(healthy(b) for b in bases))
        set_up_s = time.monotonic() - args.started
        print(f"set up in {set_up_s:.1f} s; logs in {folder}; storm for {args.seconds} s", flush=True)
        rng = random.Random(args.seed)
        storm_started = time.monotonic()
        killer = asyncio.create_task(chaos(procs, args.kill_every, storm_started + args.seconds, rng))
        await storm.run(args.tills_per_store * args.stores, args.seconds)
        storm_s = time.monotonic() - storm_started
        await killer
        for proc in procs:
            assert proc.popen is not None
            if proc.popen.poll() is not None:
                proc.start()
        await asyncio.gather(*(healthy(b) for b in bases))
        drained_at = time.monotonic()
        drain_s = await drain(args.drain_seconds)
        figures, failures = await check_all(
            {"DATABASE_URL": url, **ledger_seal(folder)}, storm.out, stats(plain), procs_kills(procs), SEND_BATCH
        )
        figures.update(
            seconds=args.seconds,
            storm_s=round(storm_s, 1),
            set_up_s=round(set_up_s, 1),
            drain_s=round(drain_s, 1) if drain_s is not None else f"not drained in {args.drain_seconds} s",
            drain_waited_s=round(time.monotonic() - drained_at, 1),
            tills=args.tills_per_store * args.stores,
            members=args.members,
            answered_per_s=round(sum(storm.out.answered.values()) / storm_s, 1),
            cpus=os.cpu_count(),
            load_average_at_end=round(os.getloadavg()[0], 2),
            load_average_at_start=args.load_at_start,
        )
        if drain_s is None:
            failures.append(f"the workers did not drain within {args.drain_seconds} s")
    finally:
        await storm.close()
        for proc in procs:
            proc.stop()
        fake.kill()
    report(figures, failures, args)
    return 1 if failures else 0


def procs_kills(procs: list[Process]) -> dict[str, int]:
    return {p.name: p.kills for p in procs}


async def drain(limit_s: float) -> float | None:
    """Seconds until no event waits to be dispatched and no push to be sent (None: not in time)."""
    from loyalty import db

    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        row = await db.fetchrow(
            "SELECT (SELECT COUNT(*) FROM domain_event WHERE processed_at IS NULL) AS events, "
            "(SELECT COUNT(*) FROM delivery WHERE status IN ('pending', 'held')) AS deliveries"
        )
        assert row is not None
        if not (row["events"] or row["deliveries"]):
            return time.monotonic() - started
        await asyncio.sleep(1)
    return None


def report(figures: dict[str, Any], failures: list[str], args: argparse.Namespace) -> None:
    lines = [
        f"bench.scale — {args.seconds} s storm, 2 API processes + 2 workers on PostgreSQL, "
        f"kill -9 every ~{args.kill_every} s, {os.cpu_count()} CPUs",
        f"command: .venv/bin/python -m bench.scale --seconds {args.seconds}",
        json.dumps(figures, indent=1, sort_keys=True),
        "failures: " + ("; ".join(failures) if failures else "none"),
    ]
    print("\n".join(lines), flush=True)
    out = ROOT / "bench" / "results" / f"scale-{args.seconds}s.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=30, help="how long the storm lasts")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/thanthiet_scale")
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--stores", type=int, default=4)
    parser.add_argument("--tills-per-store", type=int, default=8)
    parser.add_argument("--kill-every", type=float, default=4.0, help="seconds between kills (± half)")
    parser.add_argument("--drain-seconds", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the scale test runs on PostgreSQL (--database-url postgresql://…)")
    args.started = time.monotonic()
    args.load_at_start = round(os.getloadavg()[0], 2)
    # Before anything imports loyalty, whose settings are read once.
    os.environ["DATABASE_URL"] = args.database_url
    from tests.support.database import prepare

    prepare(args.database_url)
    subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "forwards", "all"],
        cwd=ROOT,
        env=os.environ,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    sys.exit(asyncio.run(main(args)))


if __name__ == "__main__":
    cli()

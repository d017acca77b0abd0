"""Scheduled job: points expire when their lot's date has passed (see loyalty.ledger)."""

from __future__ import annotations

from datetime import datetime, timedelta

from loyalty.jobs import job
from loyalty.points import ledger


@job("points.expire", every=timedelta(minutes=10))
async def expire_points(now: datetime) -> int:
    return await ledger.expire_due(now=now)

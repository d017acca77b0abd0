"""Scheduled job: points expire when their lot's date has passed (see loyalty.ledger)."""

from __future__ import annotations

from datetime import datetime, timedelta

from loyalty import ledger
from loyalty.jobs import job


@job("points.expire", every=timedelta(minutes=10))
async def expire_points(now: datetime) -> int:
    return await ledger.expire_due(now=now)

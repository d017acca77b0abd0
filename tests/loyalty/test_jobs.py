"""The worker finds every scheduled job of the domain through ``loyalty.jobs`` (no database)."""

from __future__ import annotations

from loyalty.jobs import registered_jobs


def test_every_scheduled_job_of_the_domain_is_registered() -> None:
    assert [job.name for job in registered_jobs()] == [
        "campaigns.run",
        "complaints.close_resolved",
        "complaints.escalate",
        "points.checkpoint",
        "points.expire",
        "points.remind_expiring",
        "reports.refresh",
        "stats.refresh_all",
        "stats.refresh_recent",
        "tiers.review",
        "vouchers.expire",
        "vouchers.remind_expiring",
    ]

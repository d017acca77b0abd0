"""Notification tables: devices, inbox messages, deliveries, consents, the job schedule.

* ``InboxMessage`` is unique per (event, member): the dispatcher may see an event twice (a crash
  between claiming and committing) but a member never gets the same message twice.
* ``Delivery`` is unique per (message, device) for pushes and per (message, channel) for the
  other channels (``notifications.routing``). Its status moves pending → sent | failed, sent →
  delivered | failed (a receipt), or held → pending | skipped (marketing waiting for quiet hours
  or refused by consent or the cap).
  ``next_attempt_at`` is also the claim lease: a worker that claims a delivery pushes it forward,
  so a delivery whose worker died becomes due again by itself.
* ``Consent`` is unique per (member, channel, purpose); no row means "not granted" for marketing.
* ``JobSchedule`` holds one row per scheduled job; a worker runs a job only after claiming the
  row with a guarded UPDATE of ``lease_until``.

Multi-column UNIQUE rules and the CHECK rules on deliveries are literal SQL in the baseline's
rules migration (``notifications/piccolo_migrations/…_000001.py``).
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from loyalty.schema import BigKeyed, DomainEvent, Keyed, Member

RESTRICT = OnDelete.restrict


class Device(BigKeyed, Table):
    """A push token of the app on one device; a token belongs to one member at a time."""

    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    token = Varchar(length=1024, unique=True)
    platform = Varchar(length=16)
    app_version = Varchar(length=32, default="")
    # No index: nearly every device is active, and an index on it misled SQLite's planner.
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    deactivated_at = Timestamptz(null=True, default=None)
    deactivated_reason = Varchar(length=64, default="")


class InboxMessage(BigKeyed, Table):
    """What the member reads in the app, rendered once in the member's locale."""

    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    event = ForeignKey(DomainEvent, null=True, on_delete=RESTRICT, index=True)
    kind = Varchar(length=40)
    category = Varchar(length=24)
    # transactional | marketing: decides consent, quiet hours and the frequency cap.
    purpose = Varchar(length=16)
    locale = Varchar(length=2)
    title = Varchar(length=200)
    body = Text()
    data = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    read_at = Timestamptz(null=True, default=None)


class DeliveryStatus(StrEnum):
    """pending → sent | failed; held → pending | skipped (the dispatcher's SQL spells the same words)."""

    PENDING = "pending"
    HELD = "held"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    DELIVERED = "delivered"  # the provider's receipt (Zalo, SMS) or the SMTP server accepted it


class Delivery(BigKeyed, Table):
    """One message on one channel: a push to one device, or one Zalo, SMS or e-mail to an address."""

    message = ForeignKey(InboxMessage, on_delete=RESTRICT, index=True)
    channel = Varchar(length=8, default="push")  # push | zalo | sms | email
    device = ForeignKey(Device, null=True, on_delete=RESTRICT, index=True)  # push only
    address = Varchar(length=254, default="")  # the phone or e-mail address (not push)
    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    purpose = Varchar(length=16)
    # pending | sent | failed | held | skipped
    status = Varchar(length=16, index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    last_error = Text(default="")
    provider_id = Varchar(length=255, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    released_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)
    cost_vnd = Integer(default=0)
    parts = Integer(default=1)
    # The delivery this one replaces (its channel failed or did not deliver in time), and when
    # this one was handed on to the next channel: a delivery is handed on once.
    fallback_of: ForeignKey[Delivery] = ForeignKey("self", null=True, on_delete=RESTRICT, index=True)
    fallback_at = Timestamptz(null=True, default=None)


class Consent(Keyed, Table):
    """A member's current answer for one channel and purpose, with the text version it answered."""

    member = ForeignKey(Member, on_delete=RESTRICT, index=True)
    channel = Varchar(length=8)  # push | zalo | sms | email
    purpose = Varchar(length=16)  # transactional | marketing
    granted = Boolean(default=False)
    text_version = Varchar(length=32)
    updated_at = Timestamptz(default=TimestamptzNow())


class JobSchedule(Keyed, Table):
    """When each scheduled job runs next, and which worker holds it now."""

    name = Varchar(length=100, unique=True)
    next_run_at = Timestamptz(default=TimestamptzNow())
    lease_until = Timestamptz(null=True, default=None)
    lease_owner = Varchar(length=100, default="")
    last_run_at = Timestamptz(null=True, default=None)
    last_result = BigInt(null=True, default=None)
    last_error = Text(default="")
    # Kept apart from last_run_at: a job that keeps failing must still show when it last worked.
    last_success_at = Timestamptz(null=True, default=None)

"""Admin for notifications: devices, inbox, deliveries, consents and the job schedule.

All read-only in the grid: devices and messages are written by the app and the dispatcher,
consents only by the member (they are evidence), the schedule only by workers.
"""

from __future__ import annotations

from typing import Any

from piccolo_admin.endpoints import TableConfig

from notifications.tables import Consent, Delivery, Device, InboxMessage, JobSchedule

GROUP = "Notifications"

devices = TableConfig(
    Device,
    menu_group=GROUP,
    visible_columns=[
        Device.id,
        Device.member,
        Device.platform,
        Device.app_version,
        Device.active,
        Device.last_seen_at,
        Device.deactivated_reason,
    ],
    visible_filters=[Device.member, Device.platform, Device.active],
)
inbox = TableConfig(
    InboxMessage,
    menu_group=GROUP,
    visible_columns=[
        InboxMessage.id,
        InboxMessage.member,
        InboxMessage.kind,
        InboxMessage.purpose,
        InboxMessage.title,
        InboxMessage.created_at,
        InboxMessage.read_at,
    ],
    visible_filters=[InboxMessage.member, InboxMessage.kind, InboxMessage.purpose, InboxMessage.created_at],
)
deliveries = TableConfig(
    Delivery,
    menu_group=GROUP,
    visible_columns=[
        Delivery.id,
        Delivery.message,
        Delivery.member,
        Delivery.channel,
        Delivery.address,
        Delivery.device,
        Delivery.purpose,
        Delivery.status,
        Delivery.attempts,
        Delivery.next_attempt_at,
        Delivery.sent_at,
        Delivery.delivered_at,
        Delivery.cost_vnd,
        Delivery.fallback_of,
        Delivery.last_error,
    ],
    # A member is found by phone number (the member's readable form).
    visible_filters=[Delivery.member, Delivery.channel, Delivery.status, Delivery.purpose, Delivery.sent_at],
)
consents = TableConfig(
    Consent,
    menu_group=GROUP,
    visible_filters=[Consent.member, Consent.channel, Consent.purpose, Consent.granted],
)
job_schedule = TableConfig(JobSchedule, menu_group="System")

TABLES: list[Any] = [devices, inbox, deliveries, consents, job_schedule]

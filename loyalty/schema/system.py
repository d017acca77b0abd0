"""Rows every capability writes: idempotent answers, domain events for the notifications side,
and the staff audit log.

Written by: ``loyalty.events`` (domain events; the notifications side marks them processed),
``loyalty.audit`` (the audit log) and the API's idempotency layer.
"""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from loyalty.schema.base import RESTRICT, BigKeyed
from loyalty.schema.members import Member


class IdempotencyRecord(BigKeyed, Table):
    """The first answer to a keyed write, replayed for the same key and the same body."""

    scope = Varchar(length=64)
    key = Varchar(length=255)
    request_hash = Varchar(length=64)
    status_code = Integer()
    answer = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())


class DomainEvent(BigKeyed, Table):
    """Something a member may hear about, written in the transaction of the change."""

    kind = Varchar(length=40, index=True)
    member = ForeignKey(Member, null=True, on_delete=RESTRICT, index=True)
    payload = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    # Set once the notifications side has turned the event into messages.
    processed_at = Timestamptz(null=True, default=None, index=True)


class AuditLog(BigKeyed, Table):
    staff = ForeignKey(BaseUser, null=True, on_delete=RESTRICT, index=True)
    staff_username = Varchar(length=100, default="")
    action = Varchar(length=64, index=True)
    target = Varchar(length=64, default="")
    target_id = Varchar(length=64, default="")
    detail = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)

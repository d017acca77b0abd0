"""Tables of the complaints desk (see ``loyalty.complaints`` for the rules).

A case (``Complaint``) is never deleted; its ``ComplaintEvent`` rows are its append-only
timeline. Photos are kept in the database as bytes (``ComplaintPhoto``) so that backups,
replicas and every API process see them without a shared disk. Categories and SLA targets are
data staff can change in the admin.

Written by: ``loyalty.complaints`` (categories and service levels: staff in the admin).
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from loyalty.schema.base import RESTRICT, Keyed
from loyalty.schema.choices import Author, CompensationKind, ComplaintChannel, LineKind, Priority
from loyalty.schema.members import Member, Store
from loyalty.schema.points import LedgerEntry
from loyalty.schema.rewards import Reward, Voucher


class Status(StrEnum):
    """A case's status: new → acknowledged → in_progress → resolved → closed (reopened: in_progress)."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class CompensationStatus(StrEnum):
    PROPOSED = "proposed"
    GRANTED = "granted"
    REJECTED = "rejected"


class ComplaintCategory(Keyed, Table, tablename="complaint_categories"):
    """Kinds of complaint (data, seeded by a migration). Not "complaint_category": that name is
    the index on complaint.category."""

    code = Varchar(length=32, unique=True)
    name_vi = Varchar(length=100)
    name_en = Varchar(length=100)
    active = Boolean(default=True)
    sort_order = Integer(default=0)


class ComplaintSla(Keyed, Table):
    """Targets per priority, in minutes; a priority without a row uses the built-in default."""

    priority = Varchar(length=16, unique=True, choices=Priority)
    first_response_minutes = Integer()
    resolution_minutes = Integer()


class Complaint(Keyed, Table):
    """A case. Statuses: new → acknowledged → in_progress → resolved → closed (reopen within a window)."""

    reference = Varchar(length=24, unique=True)
    member = ForeignKey(Member, null=True, on_delete=RESTRICT, index=True)
    # For a customer recorded without an account (or as the caller gave it).
    customer_name = Varchar(length=200, default="")
    customer_contact = Varchar(length=200, default="")
    category = ForeignKey(ComplaintCategory, on_delete=RESTRICT, index=True)
    priority = Varchar(length=16, default="normal", index=True, choices=Priority)
    channel = Varchar(length=16, default="app", choices=ComplaintChannel)
    store = ForeignKey(Store, null=True, on_delete=RESTRICT, index=True)
    status = Varchar(length=16, default="new", index=True, choices=Status)
    description = Text()
    assignee = ForeignKey(BaseUser, null=True, on_delete=OnDelete.set_null, index=True)
    created_by = ForeignKey(BaseUser, null=True, on_delete=OnDelete.set_null, index=True)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
    first_response_due = Timestamptz()
    resolution_due = Timestamptz()
    first_response_at = Timestamptz(null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    first_response_breached = Boolean(default=False)
    resolution_breached = Boolean(default=False)
    # Set by the escalation job while a target has passed unmet; cleared on resolution.
    overdue = Boolean(default=False, index=True)
    escalation_level = Integer(default=0)
    reopen_count = Integer(default=0)
    rating_score = Integer(null=True, default=None)
    rating_comment = Text(default="")
    rated_at = Timestamptz(null=True, default=None)


class ComplaintEvent(Keyed, Table):
    """One line of a case's timeline; only ``visible`` lines reach the member."""

    complaint = ForeignKey(Complaint, on_delete=RESTRICT, index=True)
    kind = Varchar(length=32, choices=LineKind)
    visible = Boolean(default=False)
    # member | staff | system
    author_kind = Varchar(length=8, default="system", choices=Author)
    staff = ForeignKey(BaseUser, null=True, on_delete=OnDelete.set_null, index=True)
    body = Text(default="")
    data = JSON(default="{}")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)


class ComplaintPhoto(Keyed, Table):
    complaint = ForeignKey(Complaint, on_delete=RESTRICT, index=True)
    content_type = Varchar(length=32)
    size = Integer()
    content = Bytea()
    created_at = Timestamptz(default=TimestamptzNow())


class ComplaintCompensation(Keyed, Table):
    """Points or a reward's voucher offered on a case. proposed → approved → granted | rejected."""

    complaint = ForeignKey(Complaint, on_delete=RESTRICT, index=True)
    kind = Varchar(length=8, choices=CompensationKind)
    points = BigInt(default=0)
    reward = ForeignKey(Reward, null=True, on_delete=RESTRICT, index=True)
    status = Varchar(length=16, default="proposed", index=True, choices=CompensationStatus)
    reason = Text(default="")
    needs_approval = Boolean(default=False)
    proposed_by = ForeignKey(BaseUser, null=True, on_delete=RESTRICT, index=True)
    decided_by = ForeignKey(BaseUser, null=True, on_delete=RESTRICT, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    decided_at = Timestamptz(null=True, default=None)
    ledger_entry = ForeignKey(LedgerEntry, null=True, on_delete=RESTRICT, index=True)
    voucher = ForeignKey(Voucher, null=True, on_delete=RESTRICT, index=True)

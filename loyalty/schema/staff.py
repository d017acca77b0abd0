"""Staff roles: what each staff account may open in the admin and the /staff pages.

One row per staff account (a Piccolo ``BaseUser``): its role, the store a store account works
at, and the compensation a customer-care account may grant on its own, in đồng.

Written by: ``loyalty.staff`` alone (grant and revoke, each with its audit row).
"""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import BigInt, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from loyalty.schema.base import RESTRICT, Keyed
from loyalty.schema.choices import StaffRoleKind
from loyalty.schema.members import Store


class StaffRole(Keyed, Table):
    # A deleted staff account takes its role with it: nothing else points at this row.
    staff = ForeignKey(BaseUser, null=False, unique=True, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=16, choices=StaffRoleKind)
    store = ForeignKey(Store, null=True, default=None, on_delete=RESTRICT, index=True)
    approval_limit_vnd = BigInt(default=0)
    granted_by = Varchar(length=100, default="")
    granted_at = Timestamptz(default=TimestamptzNow())

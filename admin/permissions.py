"""The permission matrix: what each staff role may open, in one place.

Default-deny: a table, form or /staff page missing here is refused to every role (superusers
act as managers and are refused too), and ``tests/admin/test_role_matrix.py`` lists every table,
form and /staff route of the real app, so a new one fails the test until it is added here.
Adding one is a line in the dict it belongs to:

* ``TABLES``: the table's database name → the roles that may read it (``R``) or also write
  (``W``) through the admin's table API. Writing is still bounded by the table's write policy
  (``admin.protection``): ``W`` on a read-only table changes nothing. The system's tables stay
  for superusers only whatever this says (``admin.access``).
* ``FORMS``: the form's slug → the roles that may open and send it.
* ``PAGES``: the /staff route, as the app declares it (``/staff/complaints/{reference:str}``) →
  the roles that may open it (its GET and POST alike).

A store account (``store``) sees rows of its own store only: it may read only the tables in
``STORE_SCOPE``, each filtered on the column named there (``admin.role_access``), and it has no
forms and no /staff pages (today's read the whole chain; a page whose handler narrows itself to
the account's store goes in ``STORE_PAGES``, and only then may give the store role). "A store's
members" are the members its tills enrolled (``member.home_store``, set at enrolment): members
who joined in the app belong to no store.

Where a role stops, and why:

* marketing: segments, VIP groups, campaigns, rewards and their stock, earning rules, messages,
  the dashboards; never points (Adjust points, expiry), complaints, tills or erasure.
* care: the complaints desk (every complaint form and page), looking members up (the member
  page and the grid: points, vouchers, purchases, messages, consents, read only; from the member
  page it logs a complaint) and the dashboard (read only); it grants compensation up to its own
  limit in đồng (``loyalty.staff``), so giving a voucher, adjusting points and erasing a member
  are a manager's.
* manager: everything, the roles form included.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

from loyalty.staff import Role


class Access(StrEnum):
    READ = "read"
    WRITE = "write"


R: Final = Access.READ
W: Final = Access.WRITE
MANAGER, MARKETING, CARE, STORE = Role.MANAGER, Role.MARKETING, Role.CARE, Role.STORE

TABLES: Mapping[str, Mapping[Role, Access]] = {
    # Members and stores
    "member": {MANAGER: W, MARKETING: R, CARE: R, STORE: R},
    "member_stats": {MANAGER: R, MARKETING: R, CARE: R},
    "store": {MANAGER: W, MARKETING: R, CARE: R},
    "terminal": {MANAGER: W, STORE: R},
    # Programme
    "tier": {MANAGER: W, MARKETING: R, CARE: R},
    "tier_birthday_gift": {MANAGER: W, MARKETING: W},
    "tier_change": {MANAGER: R, CARE: R},
    "reward": {MANAGER: W, MARKETING: W, CARE: R},
    "voucher": {MANAGER: W, MARKETING: R, CARE: R},
    # Points
    "ledger_entry": {MANAGER: R, CARE: R},
    "point_lot": {MANAGER: R, CARE: R},
    "purchase": {MANAGER: R, CARE: R, STORE: R},
    "receipt_claim": {MANAGER: R, CARE: R},
    "earning_rule": {MANAGER: W, MARKETING: W},
    # Complaints
    "complaint": {MANAGER: R, CARE: R, STORE: R},
    "complaint_event": {MANAGER: R, CARE: R},
    "complaint_compensation": {MANAGER: R, CARE: R},
    "complaint_categories": {MANAGER: W, CARE: R},
    "complaint_sla": {MANAGER: W, CARE: R},
    # Campaigns
    "segment": {MANAGER: R, MARKETING: R},
    "vip_group": {MANAGER: W, MARKETING: W},
    "vip_member": {MANAGER: W, MARKETING: W},
    "campaign": {MANAGER: R, MARKETING: R},
    "campaign_gift": {MANAGER: R, MARKETING: R},
    # Notifications
    "device": {MANAGER: R, CARE: R},
    "inbox_message": {MANAGER: R, MARKETING: R, CARE: R},
    "delivery": {MANAGER: R, MARKETING: R, CARE: R},
    "consent": {MANAGER: R, MARKETING: R, CARE: R},
    # Audit, staff and the system (the last three for superusers only: admin.access)
    "audit_log": {MANAGER: R},
    "staff_role": {MANAGER: R},
    "job_schedule": {MANAGER: R},
    "domain_event": {MANAGER: R},
    "piccolo_user": {MANAGER: R},
}

# The tables a store account reads, and the column that names a row's store.
STORE_SCOPE: Mapping[str, str] = {
    "member": "home_store",
    "terminal": "store",
    "purchase": "store",
    "complaint": "store",
}

_DESK = frozenset({MANAGER, CARE})
_MARKETING = frozenset({MANAGER, MARKETING})
_MANAGER = frozenset({MANAGER})

FORMS: Mapping[str, frozenset[Role]] = {
    "set-a-staff-role": _MANAGER,
    "add-a-till": _MANAGER,
    "revoke-a-till": _MANAGER,
    "adjust-points": _MANAGER,
    "expire-due-points-now": _MANAGER,
    "cancel-a-voucher": _MANAGER,
    "change-reward-stock": _MARKETING,
    "log-a-complaint": _DESK,
    "acknowledge-a-complaint": _DESK,
    "reply-on-a-complaint": _DESK,
    "assign-a-complaint": _DESK,
    "resolve-a-complaint": _DESK,
    "approve-compensation": _DESK,
    "close-or-reopen-a-complaint": _DESK,
    "save-a-segment": _MARKETING,
    "preview-audience": _MARKETING,
    "create-a-vip-group": _MARKETING,
    "add-phone-numbers-to-a-vip-group": _MARKETING,
    "create-or-change-a-campaign": _MARKETING,
    "launch-pause-or-cancel-a-campaign": _MARKETING,
    "send-a-message": _MARKETING,
}

_DASHBOARD = frozenset({MANAGER, MARKETING, CARE})
_LOOK_UP = _DASHBOARD  # finding a member and reading its story; the pickers' searches

PAGES: Mapping[str, frozenset[Role]] = {
    "/staff/dashboard": _DASHBOARD,
    "/staff/dashboard.csv": _DASHBOARD,
    "/staff/reports/complaints": _DESK,
    "/staff/complaints": _DESK,
    "/staff/complaints/{reference:str}": _DESK,
    "/staff/complaints/photos/{photo_id:int}": _DESK,
    "/staff/campaigns": _MARKETING,
    "/staff/campaigns/{campaign_id:int}": _MARKETING,
    "/staff/campaigns.csv": _MARKETING,
    "/staff/campaigns/new": _MARKETING,
    "/staff/campaigns/preview": _MARKETING,
    "/staff/campaigns/{campaign_id:int}/edit": _MARKETING,
    "/staff/campaigns/{campaign_id:int}/launch": _MARKETING,
    "/staff/segments": _MARKETING,
    "/staff/segments/count": _MARKETING,
    "/staff/segments/new": _MARKETING,
    "/staff/segments/{segment_id:int}": _MARKETING,
    "/staff/channels": _MARKETING,
    "/staff/channels.csv": _MARKETING,
    "/staff/vip/upload": _MARKETING,
    # The member page (member 360) and its actions, each as its admin form is given.
    "/staff/members": _LOOK_UP,
    "/staff/members/{member_id:int}": _LOOK_UP,
    "/staff/members/{member_id:int}/points": _MANAGER,  # as Adjust points
    "/staff/members/{member_id:int}/voucher": _MANAGER,  # a gift outside care's compensation limit
    "/staff/members/{member_id:int}/vip": _MARKETING,
    "/staff/members/{member_id:int}/complaint": _DESK,
    "/staff/members/{member_id:int}/erase": _MANAGER,
    # The pickers' searches behind the guided forms (JSON).
    "/staff/api/members": _LOOK_UP,
    "/staff/api/rewards": frozenset({MANAGER, MARKETING}),
    "/staff/api/segments": _MARKETING,
    "/staff/api/vip-groups": _MARKETING,
}

# The /staff pages whose handlers narrow what they show to a store account's store (its
# ``StaffGrant.store_id``, ``api.staff.current_grant``): only these may name the store role.
STORE_PAGES: frozenset[str] = frozenset()

# Sidebar links that are not /staff pages, and who sees them.
LINKS: Mapping[str, frozenset[Role]] = {"/schema": frozenset(Role)}

ROLE_NAMES: Mapping[Role, str] = {
    MANAGER: "Quản lý (manager)",
    MARKETING: "Marketing",
    CARE: "Chăm sóc khách hàng (care)",
    STORE: "Nhân viên cửa hàng (store)",
}


def table_access(role: Role | None, table: str) -> Access | None:
    if role is None:
        return None
    return TABLES.get(table, {}).get(role)


def may_read(role: Role | None, table: str) -> bool:
    return table_access(role, table) is not None


def may_write(role: Role | None, table: str) -> bool:
    return table_access(role, table) is Access.WRITE


def may_send(role: Role | None, form_slug: str) -> bool:
    return role is not None and role in FORMS.get(form_slug, frozenset())


def may_open(role: Role | None, page: str) -> bool:
    """``page``: a /staff route as declared, or a sidebar link's address."""
    if role is None:
        return False
    return role in PAGES.get(page, LINKS.get(page, frozenset()))


def _check() -> None:
    # A store account reads its own store's rows only: every table it may read must say how.
    unscoped = sorted(t for t, roles in TABLES.items() if STORE in roles and t not in STORE_SCOPE)
    if unscoped:
        raise ValueError(f"store accounts may read {unscoped} but admin.permissions.STORE_SCOPE cannot scope them")
    if any(roles.get(STORE) is W for roles in TABLES.values()):
        raise ValueError("store accounts never write through the table API")
    if any(STORE in roles for roles in FORMS.values()):
        raise ValueError("store accounts have no forms: those act on the whole chain")
    unscoped_pages = sorted(p for p, roles in PAGES.items() if STORE in roles and p not in STORE_PAGES)
    if unscoped_pages:
        raise ValueError(f"store accounts may open {unscoped_pages}: list them in STORE_PAGES once they scope")


_check()

"""Staff roles: who may do what in the admin and on the /staff pages.

Rules and invariants:

* A staff account (an active Piccolo ``BaseUser`` with ``admin``) has at most one role
  (``StaffRole``, unique per account): ``manager`` (the whole chain), ``marketing``
  (segments, VIP groups, campaigns, rewards, messages, dashboards), ``care`` (complaints,
  member look-up, compensation up to its own limit in đồng) or ``store`` (one store's members,
  tills and complaints; the row names that store).
* An account without a role may open nothing (default-deny); a superuser acts as a manager
  whatever its row says (it runs the platform).
* A store role names an active store; only a store role has one. Only a care role has an
  approval limit (đồng, ≥ 0): compensation worth more than it (points × ``POINT_COST_VND``, a
  voucher at its reward's points cost) is never granted by that account alone
  (``loyalty.complaints.compensation``).
* Nobody grants or revokes their own role (no one locks themselves out or raises themselves).
* Grant (an upsert on the account) and revoke are each one transaction with their audit row
  (``staff.role_granted`` / ``staff.role_revoked``: the role before and after).

What each role may open is the admin's permission matrix (``admin.permissions``); this package
keeps only who holds which role.
"""

from loyalty.staff.roles import (
    ROLE_GRANTED,
    ROLE_REVOKED,
    Role,
    StaffGrant,
    compensation_limit_vnd,
    grant_role,
    revoke_role,
    role_of,
)

__all__ = [
    "ROLE_GRANTED",
    "ROLE_REVOKED",
    "Role",
    "StaffGrant",
    "compensation_limit_vnd",
    "grant_role",
    "revoke_role",
    "role_of",
]

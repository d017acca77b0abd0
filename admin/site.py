"""The Piccolo Admin app, built once at import (never per request).

Vietnamese first: Piccolo Admin's own interface in Vietnamese by default (English selectable,
``admin.translation_vi``), Vietnamese names for tables, columns, groups and forms
(``admin.labels``), and the system's own tables for superusers only (``admin.access``).
"""

from __future__ import annotations

from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo_admin.endpoints import TableConfig
from piccolo_api.rate_limiting.middleware import RateLimitProvider

from admin import campaigns, complaints, labels_vi, ledger, notifications, one_off, rewards, stores
from admin.access import StaffAdmin, restrict_system_tables
from admin.cell_formats import serve_formats
from admin.labels import label_forms, label_tables, serve_labels
from admin.member_search import normalise_phone_filter
from admin.protection import protect
from admin.translation_vi import DEFAULT_LANGUAGE, TRANSLATIONS
from loyalty.schema import AuditLog, DomainEvent, Member, Store, Terminal
from loyalty.settings import ADMIN, APP_ENV, AppEnv

members = TableConfig(
    Member,
    exclude_visible_columns=[Member.id, Member.card_secret, Member.ledger_head, Member.last_card_step],
    visible_filters=[Member.phone, Member.name, Member.public_id, Member.tier, Member.city, Member.created_at],
    menu_group="Members",
    link_column=Member.phone,
)
store_config = TableConfig(Store, exclude_visible_columns=[Store.id], menu_group="Stores", link_column=Store.code)
terminals = TableConfig(
    Terminal,
    visible_columns=[
        Terminal.id,
        Terminal.store,
        Terminal.name,
        Terminal.key_prefix,
        Terminal.created_at,
        Terminal.revoked_at,
    ],
    exclude_visible_filters=[Terminal.key_hash],
    menu_group="Stores",
)
audit_log = TableConfig(AuditLog, menu_group="Audit", order_by=None)
# Served anyway (inbox messages point at it): configured, so that it is read-only too.
domain_events = TableConfig(
    DomainEvent, visible_filters=[DomainEvent.kind, DomainEvent.member, DomainEvent.processed_at], menu_group="System"
)
# Served anyway (the ledger, cases and campaigns point at staff accounts); Piccolo Admin lets only
# superusers near it, and admin.access hides it from everyone else.
staff_accounts = TableConfig(
    BaseUser,
    visible_columns=[
        BaseUser.id,
        BaseUser.username,
        BaseUser.first_name,
        BaseUser.last_name,
        BaseUser.email,
        BaseUser.active,
        BaseUser.admin,
        BaseUser.superuser,
        BaseUser.last_login,
    ],
    menu_group="System",
)

# Every table gets its write policy (admin.protection): what staff may change in the grid.
TABLES: list[Any] = protect(
    [
        members,
        store_config,
        terminals,
        audit_log,
        *rewards.TABLES,
        *ledger.TABLES,
        *complaints.TABLES,
        *campaigns.TABLES,
        *notifications.TABLES,
        domain_events,
    ]
)
# What the admin serves: those and the staff accounts (which keep Piccolo Admin's own rule:
# superusers only); the system's tables refuse everyone else, the groups read in Vietnamese.
SERVED: list[Any] = label_tables(restrict_system_tables([*TABLES, staff_accounts]))
FORMS: list[Any] = label_forms(
    [*stores.FORMS, *rewards.FORMS, *ledger.FORMS, *complaints.FORMS, *campaigns.FORMS, *one_off.FORMS]
)
SIDEBAR_LINKS: dict[str, str] = {
    # The dashboard first: Piccolo Admin 1.14 cannot change its own home page, so this is the way there.
    "Tổng quan chương trình (dashboard)": "/staff/dashboard",
    "Tra cứu khách hàng": "/staff/members",
    "Tài liệu API": "/schema",
    "Báo cáo khiếu nại": complaints.REPORT_URL,
    "Hồ sơ khiếu nại đang mở": "/staff/complaints",
    # The guided forms first: marketers build segments and campaigns there (the JSON forms stay).
    "Phân khúc hội viên": "/staff/segments",
    "Tạo chiến dịch": "/staff/campaigns/new",
    "Kết quả chiến dịch": "/staff/campaigns",
    "Tải lên danh sách VIP": "/staff/vip/upload",
}


class LoginsLimitedInFront(RateLimitProvider):
    """Switches off Piccolo's login limiter, which counts every login per address and blocks it
    until a restart (an attacker locked staff out): ``api.admin_login`` limits failed logins per
    address and user in front of the admin instead."""

    def increment(self, identifier: str) -> None:
        return None


def build_admin() -> Any:
    return StaffAdmin(
        *SERVED,
        forms=FORMS,
        site_name="Thân Thiết",
        production=APP_ENV is AppEnv.PRODUCTION,
        sidebar_links=SIDEBAR_LINKS,
        allowed_hosts=list(ADMIN.allowed_hosts),
        rate_limit_provider=LoginsLimitedInFront(),
        default_language_code=DEFAULT_LANGUAGE,
        translations=TRANSLATIONS,
    )


# The sidebar and headings name the tables in Vietnamese (admin.cell_formats' script writes them).
TABLE_NAMES = {name: labels.name for name, labels in labels_vi.TABLES.items()}
ADMIN_APP = normalise_phone_filter(serve_formats(serve_labels(build_admin()), TABLE_NAMES))

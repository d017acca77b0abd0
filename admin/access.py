"""The system's own tables are for superusers only.

Staff accounts that are not superusers (managers, marketers, customer care) run the programme;
the tables the system keeps for itself (staff accounts and sessions, the worker's job schedule,
domain events, idempotency records) are for whoever runs the platform. Piccolo Admin 1.14 shows
every configured table to every staff account and has no per-user table list, so:

* each system table's API refuses a non-superuser on every call, through the validators
  piccolo_api runs before each one (Piccolo Admin guards its own users table the same way):
  403, or 405 for a write the table's write policy (``admin.protection``) refuses first;
* :class:`StaffAdmin` answers the admin's two table lists, which draw the sidebar, without the
  system tables for a non-superuser (and without a menu group left empty by that).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo.table import Table
from piccolo_admin.endpoints import AdminRouter, GroupedTableNamesResponseModel, TableConfig, get_all_tables
from piccolo_api.crud.validators import Validators
from piccolo_api.session_auth.tables import SessionsBase
from starlette.exceptions import HTTPException
from starlette.requests import Request

from loyalty.schema import DomainEvent, IdempotencyRecord
from notifications.tables import JobSchedule

SYSTEM_TABLES: frozenset[type[Table]] = frozenset({BaseUser, SessionsBase, JobSchedule, DomainEvent, IdempotencyRecord})

REFUSAL = "Chỉ tài khoản quản trị hệ thống (superuser) mới xem được bảng này. Only superusers may open this table."


def is_superuser(request: Request) -> bool:
    # The admin's session backend puts the signed-in BaseUser on request.user.user.
    user = getattr(request.user, "user", None)
    return bool(getattr(user, "superuser", False))


def superusers_only(piccolo_crud: Any, request: Request) -> None:
    if not is_superuser(request):
        raise HTTPException(status_code=403, detail=REFUSAL)


def restrict_system_tables(configs: Sequence[TableConfig]) -> list[TableConfig]:
    """Make the system tables among ``configs`` refuse non-superusers on every API call. Run
    after ``admin.protection.protect``: the check joins the validators it set."""
    for config in configs:
        if config.table_class not in SYSTEM_TABLES:
            continue
        if config.validators is None:
            config.validators = Validators(every=[superusers_only])
        else:
            # A new list: Validators' default lists are shared by every instance.
            config.validators.every = [superusers_only, *config.validators.every]
    return list(configs)


class StaffAdmin(AdminRouter):
    """Piccolo Admin's router, with table lists that leave out what the caller may not open.

    Built from table configs alone: every table a configured one points at must have its own
    config (``create_admin`` would add those unguarded; ``admin.protection.protect`` refuses
    them anyway)."""

    def __init__(self, *tables: TableConfig, **options: Any) -> None:
        configured = [config.table_class for config in tables]
        missing = [t.__name__ for t in get_all_tables(configured) if t not in configured]
        if missing:
            raise ValueError(f"the admin needs a TableConfig for {missing} (tables others point at)")
        self.superuser_tables = frozenset(t._meta.tablename for t in configured if t in SYSTEM_TABLES)
        super().__init__(*tables, **options)

    def _shown(self, request: Request, names: Iterable[str]) -> list[str]:
        if is_superuser(request):
            return list(names)
        return [name for name in names if name not in self.superuser_tables]

    # Piccolo Admin routes /api/tables/ and /api/tables/grouped/ to these two methods; taking
    # the request (FastAPI passes it) lets the answer depend on who asks, hence the new signatures.
    def get_table_list(self, request: Request) -> list[str]:  # type: ignore[override]
        return self._shown(request, super().get_table_list())

    def get_table_list_grouped(self, request: Request) -> GroupedTableNamesResponseModel:  # type: ignore[override]
        listing = super().get_table_list_grouped()
        grouped = {name: self._shown(request, tables) for name, tables in listing.grouped.items()}
        return GroupedTableNamesResponseModel(
            grouped={name: tables for name, tables in grouped.items() if tables},
            ungrouped=self._shown(request, listing.ungrouped),
        )

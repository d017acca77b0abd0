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

Roles narrow that further (``admin.permissions``, default-deny): the table lists, the form
lists and the sidebar links show only what the caller's role may open, and a form's page, schema
and POST answer 403 (Vietnamese) to a role the matrix does not give it; the table API's own
checks are ``admin.role_access``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import File, Form, UploadFile
from piccolo.apps.user.tables import BaseUser
from piccolo.table import Table
from piccolo_admin.endpoints import (
    AdminRouter,
    FormConfigResponseModel,
    GroupedFormsResponseModel,
    GroupedTableNamesResponseModel,
    StoreFileResponseModel,
    TableConfig,
    get_all_tables,
)
from piccolo_api.crud.validators import Validators
from piccolo_api.session_auth.tables import SessionsBase
from starlette.exceptions import HTTPException
from starlette.requests import Request

from admin import permissions
from admin.role_access import grant_of, refusal, role_of_grant
from loyalty.schema import DomainEvent, IdempotencyRecord
from notifications.tables import JobSchedule

SYSTEM_TABLES: frozenset[type[Table]] = frozenset({BaseUser, SessionsBase, JobSchedule, DomainEvent, IdempotencyRecord})

NO_ROLE_LINK = "Tài khoản chưa được phân quyền"
# Any /staff page answers an account without a role with the page that explains it.
NO_ROLE_PAGE = "/staff/dashboard"
REFUSAL = "Chỉ tài khoản quản trị hệ thống (superuser) mới xem được bảng này. Only superusers may open this table."


def is_superuser(request: Request) -> bool:
    # The admin's session backend puts the signed-in BaseUser on request.user.user.
    user = getattr(request.user, "user", None)
    return bool(getattr(user, "superuser", False))


def superusers_only(piccolo_crud: Any, request: Request) -> None:
    if is_superuser(request) or _staff_names(piccolo_crud, request):
        return
    raise HTTPException(status_code=403, detail=REFUSAL)


def _staff_names(piccolo_crud: Any, request: Request) -> bool:
    """The staff accounts' names by id (``/ids/``): every grid with an assignee or an author
    shows them, so any staff role reads those names (and nothing else of the accounts)."""
    return bool(piccolo_crud.table is BaseUser and request.method == "GET" and request.url.path.endswith("/ids/"))


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

    async def _shown(self, request: Request, names: Iterable[str]) -> list[str]:
        role = role_of_grant(await grant_of(request))
        superuser = is_superuser(request)
        return [
            name
            for name in names
            if permissions.may_read(role, name) and (superuser or name not in self.superuser_tables)
        ]

    # Piccolo Admin routes /api/tables/ and /api/tables/grouped/ to these two methods; taking
    # the request (FastAPI passes it) lets the answer depend on who asks, hence the new signatures.
    async def get_table_list(self, request: Request) -> list[str]:  # type: ignore[override]
        return await self._shown(request, super().get_table_list())

    async def get_table_list_grouped(self, request: Request) -> GroupedTableNamesResponseModel:  # type: ignore[override]
        listing = super().get_table_list_grouped()
        grouped = {name: await self._shown(request, tables) for name, tables in listing.grouped.items()}
        return GroupedTableNamesResponseModel(
            grouped={name: tables for name, tables in grouped.items() if tables},
            ungrouped=await self._shown(request, listing.ungrouped),
        )

    async def get_sidebar_links(self, request: Request) -> dict[str, str]:  # type: ignore[override]
        role = role_of_grant(await grant_of(request))
        if role is None:
            # Nothing to open: the one link leads to the page that says why (and what to do).
            return {NO_ROLE_LINK: NO_ROLE_PAGE}
        return {name: url for name, url in super().get_sidebar_links().items() if permissions.may_open(role, url)}

    async def _form_allowed(self, request: Request, form_slug: str) -> None:
        grant = await grant_of(request)
        if form_slug in self.form_config_map and not permissions.may_send(role_of_grant(grant), form_slug):
            raise HTTPException(status_code=403, detail=refusal(grant, "dùng biểu mẫu này"))

    async def get_forms(self, request: Request) -> list[FormConfigResponseModel]:  # type: ignore[override]
        role = role_of_grant(await grant_of(request))
        return [form for form in super().get_forms() if permissions.may_send(role, form.slug)]

    async def get_grouped_forms(self, request: Request) -> GroupedFormsResponseModel:  # type: ignore[override]
        role = role_of_grant(await grant_of(request))
        listing = super().get_grouped_forms()
        grouped = {
            name: [form for form in forms if permissions.may_send(role, form.slug)]
            for name, forms in listing.grouped.items()
        }
        return GroupedFormsResponseModel(
            grouped={name: forms for name, forms in grouped.items() if forms},
            ungrouped=[form for form in listing.ungrouped if permissions.may_send(role, form.slug)],
        )

    async def get_single_form(self, request: Request, form_slug: str) -> FormConfigResponseModel:  # type: ignore[override]
        await self._form_allowed(request, form_slug)
        return super().get_single_form(form_slug)

    async def get_single_form_schema(self, request: Request, form_slug: str) -> dict[str, Any]:  # type: ignore[override]
        await self._form_allowed(request, form_slug)
        return super().get_single_form_schema(form_slug)

    async def post_single_form(self, request: Request, form_slug: str) -> Any:
        await self._form_allowed(request, form_slug)
        return await super().post_single_form(request, form_slug)

    async def store_file(
        self,
        request: Request,
        table_name: str = Form(None),
        column_name: str = Form(None),
        file: UploadFile = File(...),
    ) -> StoreFileResponseModel:
        # An upload is a write to that table's media column (a reward's image).
        grant = await grant_of(request)
        if not permissions.may_write(role_of_grant(grant), str(table_name)):
            raise HTTPException(status_code=403, detail=refusal(grant, "tải tệp lên bảng này"))
        return await super().store_file(request, table_name=table_name, column_name=column_name, file=file)

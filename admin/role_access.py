"""The permission matrix (``admin.permissions``) enforced on the admin's table API.

Every table the admin serves gets one validator per piccolo_api action: reads need ``R`` or
``W`` for the caller's role (checked first), writes ``W`` (checked after the table's write
policy, so what no one may write still answers 405); anything else is a 403 with a Vietnamese
message. A store account's reads are narrowed to its store:

* piccolo_api validators cannot change a query, so :func:`scope_to_store` (an ASGI wrapper in
  front of the admin, like ``admin.member_search``) rewrites the list's and the count's query
  string: every filter on the store column is replaced by the account's own store;
* the validators check the rewrite took (the store filter is exactly the account's, with no
  operator): a request it missed is refused, never answered unscoped;
* one row by id is read only when its store is the account's (404 otherwise: another store's
  rows do not exist for it), and the id pickers (``/ids/``, every row's name) are refused.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from piccolo.apps.user.tables import BaseUser
from piccolo.table import Table
from piccolo_admin.endpoints import TableConfig
from piccolo_api.crud.validators import Validators
from starlette.exceptions import HTTPException
from starlette.requests import Request

from admin import permissions
from admin.complaint_report import SESSION_COOKIE, staff_for_session
from loyalty.staff import Role, StaffGrant, role_of

Scope = MutableMapping[str, Any]

NO_ROLE = (
    "Tài khoản của bạn chưa được phân quyền: hãy nhờ quản lý cấp quyền (Phân quyền nhân viên). "
    "Your account has no role yet: ask a manager to grant one."
)
_GRANT_KEY = "thanthiet.staff_grant"

READS = ("get_single", "get_all", "get_references", "get_ids", "get_new", "get_schema", "get_count")
WRITES = ("post_single", "patch_single", "put_single", "delete_single", "delete_all")


def refusal(grant: StaffGrant | None, what: str) -> str:
    if grant is None:
        return NO_ROLE
    role = permissions.ROLE_NAMES[grant.role]
    return f"Vai trò {role} không được {what}. Your role may not do this."


async def grant_of(request: Request) -> StaffGrant | None:
    """The role of the admin user signed in on this request (read once per request)."""
    if _GRANT_KEY in request.scope:
        found: StaffGrant | None = request.scope[_GRANT_KEY]
        return found
    user = getattr(request.user, "user", None)
    user_id = getattr(user, "id", None)
    grant = await role_of(int(user_id)) if user_id is not None else None
    request.scope[_GRANT_KEY] = grant
    return grant


def role_of_grant(grant: StaffGrant | None) -> Role | None:
    return grant.role if grant is not None else None


class _TableGuard:
    def __init__(self, table: type[Table]) -> None:
        self.table = table
        self.name = table._meta.tablename
        self.scope_column = permissions.STORE_SCOPE.get(self.name)

    async def may_read(self, piccolo_crud: Any, request: Request) -> None:
        grant = await grant_of(request)
        if not permissions.may_read(role_of_grant(grant), self.name):
            raise HTTPException(status_code=403, detail=refusal(grant, f"xem bảng {self.name}"))

    async def has_role(self, piccolo_crud: Any, request: Request) -> None:
        grant = await grant_of(request)
        if grant is None:
            raise HTTPException(status_code=403, detail=refusal(grant, f"xem bảng {self.name}"))

    async def may_write(self, piccolo_crud: Any, request: Request) -> None:
        grant = await grant_of(request)
        if not permissions.may_write(role_of_grant(grant), self.name):
            raise HTTPException(status_code=403, detail=refusal(grant, f"sửa bảng {self.name}"))

    async def scoped_list(self, piccolo_crud: Any, request: Request) -> None:
        grant = await grant_of(request)
        if grant is None or grant.role is not Role.STORE:
            return
        column = self._column(grant)
        sent = request.query_params.getlist(column)
        operators = [k for k in request.query_params if k.startswith(f"{column}__")]
        if sent != [str(grant.store_id)] or operators:
            raise HTTPException(status_code=403, detail=refusal(grant, "xem dữ liệu của cửa hàng khác"))

    async def scoped_row(self, piccolo_crud: Any, request: Request) -> None:
        grant = await grant_of(request)
        if grant is None or grant.role is not Role.STORE:
            return
        column = self._column(grant)
        pk = self.table._meta.primary_key
        try:
            row_id = pk.value_type(request.path_params["row_id"])
        except (KeyError, TypeError, ValueError):
            raise HTTPException(status_code=404, detail="Không tìm thấy / not found") from None
        row = await self.table.select(self.table._meta.get_column_by_name(column)).where(pk == row_id).first()
        if row is None or row[column] != grant.store_id:
            raise HTTPException(status_code=404, detail="Không tìm thấy / not found")

    async def no_pickers(self, piccolo_crud: Any, request: Request) -> None:
        grant = await grant_of(request)
        if grant is not None and grant.role is Role.STORE:
            raise HTTPException(status_code=403, detail=refusal(grant, "xem danh sách chọn của cả chuỗi"))

    def _column(self, grant: StaffGrant) -> str:
        if self.scope_column is None or grant.store_id is None:
            # permissions._check keeps store accounts off unscoped tables; a store role without
            # a store cannot be granted. Refuse rather than answer unscoped.
            raise HTTPException(status_code=403, detail=refusal(grant, f"xem bảng {self.name}"))
        return self.scope_column

    def validators(self, extra: Validators | None) -> Validators:
        def own(name: str) -> list[Any]:
            return list(getattr(extra, name)) if extra is not None else []

        first: dict[str, list[Any]] = {name: [self.may_read] for name in READS}
        first.update({name: [self.may_write] for name in WRITES})
        first["get_all"].append(self.scoped_list)
        first["get_count"].append(self.scoped_list)
        first["get_single"].append(self.scoped_row)
        first["get_ids"].append(self.no_pickers)
        if self.table is BaseUser:
            # Colleagues' names, shown for an assignee or an author in the grids of every role.
            first["get_ids"] = [self.has_role]
        # A read is refused before anything else runs; a write after the table's write policy,
        # so that what no one may write answers as before (405) whoever asks.
        return Validators(
            every=own("every"),
            **{
                name: [*checks, *own(name)] if name in READS else [*own(name), *checks]
                for name, checks in first.items()
            },
            extra_context=extra.extra_context if extra is not None else {},
        )


def restrict_by_role(configs: Sequence[TableConfig]) -> list[TableConfig]:
    """Put the role checks in front of every table's validators (run after ``protect``)."""
    for config in configs:
        config.validators = _TableGuard(config.table_class).validators(config.validators)
    return list(configs)


# The list, its count and one row; the part after the table is piccolo_api's.
def _scoped_query(query_string: bytes, column: str, store_id: int) -> bytes:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if k != column and not k.startswith(f"{column}__")]
    return urlencode([*kept, (column, str(store_id))]).encode("latin-1")


def _table_listing(path: str) -> str | None:
    """The table of a list or count request (``/api/tables/<t>/`` or ``…/count/``), else None."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and parts[-3:-1] == ["api", "tables"] and path.endswith("/"):
        return parts[-1]
    if len(parts) >= 4 and parts[-4:-2] == ["api", "tables"] and parts[-1] == "count":
        return parts[-2]
    return None


def scope_to_store(app: Any) -> Any:
    """A store account's lists and counts filtered to its store, whatever filter it sent."""

    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        table = _table_listing(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        column = permissions.STORE_SCOPE.get(table or "")
        if column is not None:
            grant = await _grant_from_cookie(scope)
            if grant is not None and grant.role is Role.STORE and grant.store_id is not None:
                scope = {**scope, "query_string": _scoped_query(scope.get("query_string", b""), column, grant.store_id)}
        await app(scope, receive, send)

    return wrapped


async def _grant_from_cookie(scope: Scope) -> StaffGrant | None:
    cookies = Request(scope).cookies
    user = await staff_for_session(cookies.get(SESSION_COOKIE))
    return await role_of(user.id) if user is not None else None

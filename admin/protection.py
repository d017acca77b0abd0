"""What staff may write through the admin's table API (the grid and its edit and add forms).

Why one module over 300 lines: the policy of every served table stands beside the one mechanism
that enforces it, so a reviewer sees in one place everything staff can write.

Piccolo Admin's table API writes any column of any table it serves unless validators stop it,
and its edit form sends the whole row back on Save: hidden columns too, secret ones as "". So
every table the admin serves has a :class:`WritePolicy` in ``POLICIES``, and :func:`protect`
turns it into one set of piccolo_api validators and one pre-patch hook, the same for every
table and every user (superusers included):

* PUT and bulk DELETE are refused everywhere (the admin's pages never send them; a PUT would
  replace every column at once).
* POST and DELETE of one row are refused unless the policy allows them. Nothing the ledger,
  a voucher, a case or a campaign points at is deletable (switch it off with ``active``).
* PATCH may change the policy's ``editable`` columns only. A protected column sent with the
  value it already has (the edit form echoing the row) is dropped before the UPDATE; sent with
  any other value, the whole request is refused with 403 and nothing is written. A secret
  column sent blank counts as unchanged: the form never sees its value. Editable columns are
  written only where the value really changed, so a Save without changes writes nothing. Where
  the policy names a domain function (``through``: a member's profile), that function writes
  them, with its rules and audit row, and the grid's own UPDATE writes nothing.

Protected data changes only through the FormConfig forms named in ``via`` (each calls its
domain function, which writes the audit log).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException as FieldErrors  # FastAPI's takes a detail that is not text
from piccolo.apps.user.tables import BaseUser
from piccolo.columns import JSON, Column, Timestamptz
from piccolo.table import Table
from piccolo_admin.endpoints import TableConfig, get_all_tables
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request

from admin.forms import staff_actor
from loyalty import members
from loyalty.errors import DomainError
from loyalty.schema import (
    AuditLog,
    Campaign,
    CampaignGift,
    Complaint,
    ComplaintCategory,
    ComplaintCompensation,
    ComplaintEvent,
    ComplaintSla,
    DomainEvent,
    EarningRule,
    LedgerEntry,
    Member,
    MemberStats,
    PointLot,
    Purchase,
    ReceiptClaim,
    Reward,
    Segment,
    StaffRole,
    Store,
    Terminal,
    Tier,
    TierBirthdayGift,
    TierChange,
    VipGroup,
    VipMember,
    Voucher,
)
from notifications.tables import Consent, Delivery, Device, InboxMessage, JobSchedule


@dataclass(frozen=True)
class WritePolicy:
    """Which columns staff may write in the grid, whether rows may be added or deleted there,
    and where everything else is changed (named in the refusal)."""

    editable: tuple[str, ...] = ()
    create: bool = False
    # Set when a row is added, changed later only by the form ``via`` names (a reward's stock).
    set_on_create: tuple[str, ...] = ()
    delete: bool = False
    via: str = "no staff form: the programme itself keeps these rows"
    # Where the editable columns of a row are written by a domain function (validated, with its
    # audit row) instead of the grid's own UPDATE: (row id, {column: value}, request).
    through: Callable[[Any, dict[str, Any], Request], Awaitable[None]] | None = None


def read_only(via: str) -> WritePolicy:
    return WritePolicy(via=via)


def reference_data(table: type[Table], *, delete: bool = False) -> WritePolicy:
    """Data staff keep by hand: every column but the id, rows may be added; deleted only where
    nothing can point at them."""
    columns = tuple(c._meta.name for c in table._meta.columns if not c._meta.primary_key)
    return WritePolicy(editable=columns, create=True, delete=delete, via="this grid")


async def _correct_member_profile(row_id: Any, changes: dict[str, Any], request: Request) -> None:
    try:
        await members.correct_profile(
            int(row_id), changes, actor=staff_actor(request), reason="corrected in the admin's member grid"
        )
    except DomainError as exc:
        # Piccolo Admin shows a 422 as a list of field errors, the way pydantic reports them.
        field = str(exc.data.get("field") or "member")
        errors = [{"loc": ["body", field], "msg": exc.detail, "type": "value_error"}]
        raise FieldErrors(status_code=422, detail=errors) from exc


# A member's profile fields are the staff's to correct, through loyalty.members.correct_profile
# (the member's own profile rules, an audit row); identity (phone, Firebase uid, public id),
# points, tier, card and ledger chain are the domain's.
MEMBER_PROFILE = members.EDITABLE_FIELDS
_LEDGER_FORMS = "the forms Adjust points and Expire due points now (points come from tills and the app)"
_COMPLAINT_FORMS = "the complaint forms (open, reply, assign, status, compensation)"

POLICIES: dict[type[Table], WritePolicy] = {
    Member: WritePolicy(
        editable=MEMBER_PROFILE,
        through=_correct_member_profile,
        via="the form Adjust points (balance), the tier review (tier), the member's own sign-in "
        "(phone, Firebase uid, card) and the privacy erasure",
    ),
    Store: reference_data(Store),
    Terminal: read_only("the forms Add a till and Revoke a till"),
    AuditLog: read_only("nothing: every staff form appends to it"),
    Tier: reference_data(Tier),
    TierBirthdayGift: reference_data(TierBirthdayGift, delete=True),
    Reward: WritePolicy(
        editable=tuple(c._meta.name for c in Reward._meta.columns if c._meta.name not in ("id", "stock_left")),
        create=True,
        set_on_create=("stock_left",),
        via="this grid, and the form Change reward stock for its stock (tills take units meanwhile)",
    ),
    Voucher: read_only("the form Cancel a voucher (tills redeem, the expiry job expires)"),
    TierChange: read_only("nothing: the tier review records it"),
    LedgerEntry: read_only(_LEDGER_FORMS),
    PointLot: read_only(_LEDGER_FORMS),
    Purchase: read_only("the tills (earn, refund)"),
    ReceiptClaim: read_only("the tills and the app"),
    EarningRule: reference_data(EarningRule),
    Complaint: read_only(_COMPLAINT_FORMS),
    ComplaintEvent: read_only(_COMPLAINT_FORMS),
    ComplaintCompensation: read_only(_COMPLAINT_FORMS),
    ComplaintCategory: reference_data(ComplaintCategory),
    ComplaintSla: reference_data(ComplaintSla, delete=True),
    Segment: read_only("the form Save a segment"),
    VipGroup: reference_data(VipGroup),
    VipMember: reference_data(VipMember, delete=True),
    Campaign: read_only("the forms Create or change a campaign and Launch pause or cancel a campaign"),
    CampaignGift: read_only("nothing: the campaign runs write it"),
    MemberStats: read_only("nothing: the worker refreshes it"),
    Device: read_only("the member's app"),
    InboxMessage: read_only("nothing: the dispatcher writes it"),
    Delivery: read_only("nothing: the dispatcher writes it"),
    Consent: read_only("the member's app"),
    StaffRole: read_only("the form Set a staff role"),
    JobSchedule: read_only("nothing: the worker keeps it"),
    DomainEvent: read_only("nothing: domain changes write it"),
}


def _refuse(status: int, detail: str) -> HTTPException:
    return HTTPException(status_code=status, detail=detail)


def _row_id(table: type[Table], request: Request) -> Any:
    # As piccolo_api reads it: asyncpg refuses the text "5" for an integer key.
    return table._meta.primary_key.value_type(request.path_params["row_id"])


def _same(column: Column, sent: Any, stored: Any) -> bool:
    """Whether a value the form sent back is the one stored (at the form's precision)."""
    if _blank(sent) and _blank(stored):
        return True  # the form shows NULL and "" alike, as an empty field, and sends back ""
    if isinstance(column, Timestamptz) and isinstance(sent, datetime) and isinstance(stored, datetime):
        # The form sends times at its resolution (whole seconds by default), as UTC.
        sent_utc = sent if sent.tzinfo else sent.replace(tzinfo=UTC)
        return sent_utc.replace(microsecond=0) == stored.astimezone(UTC).replace(microsecond=0)
    if isinstance(column, JSON):
        try:
            return bool(_as_json(sent) == _as_json(stored))
        except ValueError:
            return False
    return bool(sent == stored)


def _as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _blank(value: Any) -> bool:
    return value is None or value == ""


class _Guard:
    """The validators and the hook of one table's policy."""

    def __init__(self, table: type[Table], policy: WritePolicy) -> None:
        self.table = table
        self.policy = policy
        names = {c._meta.name for c in table._meta.columns}
        unknown = set(policy.editable) - names
        if unknown:
            raise ValueError(f"{table.__name__}: no column(s) {sorted(unknown)} to make editable")
        self.editable = frozenset(policy.editable)

    def _protected(self, names: Sequence[str]) -> str:
        return (
            f"{', '.join(names)} of {self.table._meta.tablename} cannot be changed in the admin's "
            f"tables; use {self.policy.via}"
        )

    def refuse_method(self, *_: Any, **__: Any) -> None:
        raise _refuse(405, f"{self.table._meta.tablename} rows cannot be changed here; use {self.policy.via}")

    def refuse_bulk(self, *_: Any, **__: Any) -> None:
        raise _refuse(405, "replacing whole rows and deleting by filter are not allowed in the admin")

    async def check_post(self, piccolo_crud: Any, request: Request) -> None:
        if not self.policy.create:
            self.refuse_method()
        body = await _body(request)
        allowed = {*self.editable, *self.policy.set_on_create}
        sent = sorted(k for k, v in body.items() if k not in allowed and not _blank(v))
        if sent:
            raise _refuse(403, self._protected(sent))

    def check_delete(self, *_: Any, **__: Any) -> None:
        if not self.policy.delete:
            table = self.table._meta.tablename
            raise _refuse(405, f"{table} rows are never deleted (other rows point at them, or they are records)")

    async def check_patch(self, piccolo_crud: Any, request: Request) -> None:
        if not self.editable:
            self.refuse_method()
        body = await _body(request)
        columns = {c._meta.name: c for c in self.table._meta.columns}
        others = [k for k in body if k not in self.editable and k in columns]
        if not others:
            return
        stored = (
            await self.table.select(*(columns[k] for k in others))
            .where(self.table._meta.primary_key == _row_id(self.table, request))
            .first()
        )
        if stored is None:
            return  # piccolo_api answers 404 itself
        changed: list[str] = []
        for name in others:
            column, value = columns[name], body[name]
            if column._meta.secret and _blank(value):
                continue  # never shown to the form, so it comes back blank
            try:
                parsed = getattr(piccolo_crud.pydantic_model_optional(**{name: value}), name)
            except (ValidationError, TypeError, ValueError):
                changed.append(name)
                continue
            if not _same(column, parsed, stored[name]):
                changed.append(name)
        if changed:
            raise _refuse(403, self._protected(changed))

    async def write_changes_only(self, row_id: Any, values: dict[Any, Any], request: Request) -> dict[Any, Any]:
        """Pre-patch hook: only editable columns whose value really changed are written. The
        edit form echoes every column at its own precision (times to the second), so writing
        the echo back would still change rows on a Save without changes."""
        editable = {column: value for column, value in values.items() if column._meta.name in self.editable}
        stored = await self.table.select(*editable).where(self.table._meta.primary_key == row_id).first() or {}
        kept = {
            column: value
            for column, value in editable.items()
            if column._meta.name not in stored or not _same(column, value, stored[column._meta.name])
        }
        if kept and self.policy.through is not None:
            await self.policy.through(row_id, {column._meta.name: value for column, value in kept.items()}, request)
            kept = {}
        # Piccolo cannot run an UPDATE without values; setting the key to itself changes nothing.
        return kept or {self.table._meta.primary_key: row_id}

    def validators(self, extra: Validators | None) -> Validators:
        def own(name: str) -> list[Any]:
            return list(getattr(extra, name)) if extra is not None else []

        return Validators(
            every=own("every"),
            get_single=own("get_single"),
            get_all=own("get_all"),
            get_references=own("get_references"),
            get_ids=own("get_ids"),
            get_new=own("get_new"),
            get_schema=own("get_schema"),
            get_count=own("get_count"),
            post_single=[self.check_post, *own("post_single")],
            patch_single=[self.check_patch, *own("patch_single")],
            delete_single=[self.check_delete, *own("delete_single")],
            put_single=[self.refuse_bulk],
            delete_all=[self.refuse_bulk],
            extra_context=extra.extra_context if extra is not None else {},
        )


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise _refuse(400, "the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise _refuse(400, "the body must be a JSON object")
    return body


def protect(configs: Sequence[TableConfig]) -> list[TableConfig]:
    """Give every table config its policy's validators and hook (a table the admin serves
    without a policy is a mistake, refused at import), and check its list page can render."""
    configured = [config.table_class for config in configs]
    # Piccolo Admin also serves every table a configured one points at, with no validators.
    unconfigured = [t.__name__ for t in get_all_tables(configured) if t not in configured and t is not BaseUser]
    if unconfigured:
        raise ValueError(f"the admin would serve {unconfigured} unguarded: give them a TableConfig")
    for config in configs:
        table = config.table_class
        if issubclass(table, BaseUser):
            continue  # Piccolo Admin lets only superusers near its users table
        policy = POLICIES.get(table)
        if policy is None:
            raise ValueError(f"{table.__name__} has no write policy in admin.protection.POLICIES")
        guard = _Guard(table, policy)
        config.validators = guard.validators(config.validators)
        config.hooks = [Hook(hook_type=HookType.pre_patch, callable=guard.write_changes_only), *(config.hooks or [])]
        pk = table._meta.primary_key._meta.name
        if config.get_link_column()._meta.name != pk and pk in config.get_visible_column_names():
            # Piccolo Admin 1.14's list page goes blank (its schema has no "id" property).
            raise ValueError(f"{table.__name__}: hide {pk} from the list when link_column is another column")
    return list(configs)

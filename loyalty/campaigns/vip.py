"""VIP groups: named lists of members kept by hand, with their own description and benefits.

Rules: staff add members by pasting (or uploading) phone numbers in any common Vietnamese form
(``loyalty.members.phones``), pasted as a list or uploaded as a CSV (``loyalty.members.phone_lists``
says how both are read); numbers are matched to members set-wise in one query, each member is in a group at
most once (UNIQUE (group, member); adding again is a no-op), and the answer says how many were
added, how many were in the group already, which numbers matched no member and which pieces were
not phone numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from loyalty import audit
from loyalty.db import MAX_ID, write_transaction
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.members import PhoneList, from_table, from_text
from loyalty.schema import Member, VipGroup, VipMember

MAX_LINES = 20_000
CHUNK = 500


class GroupChoice(NamedTuple):
    """A VIP group as a picker shows it."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Added:
    added: int
    already: int
    unmatched: list[str]
    """Valid numbers that no member has, as written."""
    not_phones: list[str] = field(default_factory=list)
    rows: int = 0
    skipped: list[str] = field(default_factory=list)


async def create_group(
    name: str,
    *,
    description: str = "",
    benefits_vi: str = "",
    benefits_en: str = "",
    actor: audit.StaffActor | None = None,
) -> int:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a VIP group name is 1-100 characters", field="name")
    async with write_transaction():
        if await VipGroup.exists().where(VipGroup.name == name):
            raise Conflict(f"a VIP group named {name!r} exists already", field="name")
        group = VipGroup(name=name, description=description, benefits_vi=benefits_vi, benefits_en=benefits_en)
        await group.save()
        if actor:
            await audit.record(actor, "vip_group.create", "vip_group", group.id, name=name)
        return int(group.id)


async def add_phones(group_id: int, text: str, *, actor: audit.StaffActor | None = None) -> Added:
    """Numbers pasted or typed by staff (one a line, or separated by commas, semicolons, spaces)."""
    return await _add(group_id, from_text(text), actor, "vip_group.add")


async def add_phone_file(group_id: int, text: str, *, actor: audit.StaffActor | None = None, file: str = "") -> Added:
    """Numbers in an uploaded CSV or text file: a header, names and notes are skipped."""
    return await _add(group_id, from_table(text), actor, "vip_group.upload", file=file)


async def _add(group_id: int, read: PhoneList, actor: audit.StaffActor | None, action: str, **detail: Any) -> Added:
    if len(read.numbers) + len(read.not_phones) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} numbers at a time", field="phones")
    wanted: dict[str, str] = {}
    for written, phone in read.numbers:
        wanted.setdefault(phone, written)
    unmatched: list[str] = []
    added = already = 0
    async with write_transaction():
        if not 0 < group_id <= MAX_ID or not await VipGroup.exists().where(VipGroup.id == group_id):
            raise NotFound(f"VIP group {group_id} not found")
        phones = list(wanted)
        for start in range(0, len(phones), CHUNK):
            chunk = phones[start : start + CHUNK]
            found = await Member.select(Member.id, Member.phone).where(
                Member.phone.is_in(chunk) & Member.erased_at.is_null()
            )
            known = {row["phone"] for row in found}
            unmatched += [wanted[p] for p in chunk if p not in known]
            if not found:
                continue
            ids = [row["id"] for row in found]
            inserted = (
                await VipMember.insert(*(VipMember(group=group_id, member=member_id) for member_id in ids))
                .on_conflict(target=(VipMember.group, VipMember.member), action="DO NOTHING")
                .returning(VipMember.id)
            )
            added += len(inserted)
            already += len(ids) - len(inserted)
        result = Added(
            added,
            already,
            unmatched,
            not_phones=list(dict.fromkeys(read.not_phones)),
            rows=read.rows,
            skipped=list(dict.fromkeys(read.skipped)),
        )
        if actor:
            await audit.record(
                actor,
                action,
                "vip_group",
                group_id,
                added=result.added,
                already=result.already,
                unmatched=len(result.unmatched),
                not_phones=len(result.not_phones),
                rows=result.rows,
                **detail,
            )
    return result


async def add_member(group_id: int, member_id: int, *, actor: audit.StaffActor) -> bool:
    """One member into a group from its own page (a member without a phone too); False if it was
    in the group already. An unknown group or member, or an erased one, is :class:`NotFound`."""
    async with write_transaction():
        if not 0 < group_id <= MAX_ID or not await VipGroup.exists().where(VipGroup.id == group_id):
            raise NotFound(f"VIP group {group_id} not found", field="group_id")
        if not 0 < member_id <= MAX_ID or not await Member.exists().where(
            (Member.id == member_id) & Member.erased_at.is_null()
        ):
            raise NotFound(f"member {member_id} not found", field="member_id")
        inserted = (
            await VipMember.insert(VipMember(group=group_id, member=member_id))
            .on_conflict(target=(VipMember.group, VipMember.member), action="DO NOTHING")
            .returning(VipMember.id)
        )
        if inserted:
            await audit.record(actor, "vip_group.add_member", "vip_group", group_id, member=member_id)
    return bool(inserted)


async def groups() -> list[GroupChoice]:
    """Every VIP group's id and name, by name (for pickers)."""
    rows = await VipGroup.select(VipGroup.id, VipGroup.name).order_by(VipGroup.name)
    return [GroupChoice(int(row["id"]), str(row["name"])) for row in rows]

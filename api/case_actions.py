"""The case page's forms, read and carried out: each action is the desk's own function (the same
the admin's forms call) with the signed-in staff member as the actor.

A form's fields arrive as text; one that is missing or not a number is the desk's
``InvalidInput`` naming it, so the page shows it like any other refusal (a 422, nothing written).
"""

from __future__ import annotations

from collections.abc import Mapping

from loyalty import complaints
from loyalty.audit import StaffActor
from loyalty.db import MAX_ID
from loyalty.errors import InvalidInput

VISIBILITIES = ("customer", "internal")


def whole_number(form: Mapping[str, str], field: str, *, required: bool) -> int | None:
    text = form.get(field, "").strip().replace(".", "").replace(",", "")
    if not text:
        if required:
            raise InvalidInput(f"{field} is required", field=field)
        return None
    if not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise InvalidInput(f"{field} must be a whole number from 1 to {MAX_ID:,}", field=field)
    return int(text)


async def carry_out(reference: str, actor: StaffActor, form: Mapping[str, str]) -> str:
    """Do what the form asks; what was done (a key of ``admin.case_page.DONE``)."""
    action = form.get("action", "")
    if action == "acknowledge":
        await complaints.acknowledge(reference, actor, form.get("message", ""))
    elif action == "reply":
        visibility = form.get("visibility", "")
        if visibility not in VISIBILITIES:
            raise InvalidInput("choose who may read it: the customer or staff only", field="visibility")
        await complaints.reply(reference, actor, form.get("body", ""), visible=visibility == "customer")
        return "reply" if visibility == "customer" else "note"
    elif action == "assign":
        assignee = whole_number(form, "assignee_id", required=True)
        assert assignee is not None
        if not await complaints.assign(reference, actor, assignee):
            return "unchanged"
    elif action == "resolve":
        await complaints.resolve(reference, actor, form.get("resolution", ""))
    elif action == "propose":
        await complaints.propose(
            reference,
            actor,
            points=whole_number(form, "points", required=False) or 0,
            reward_id=whole_number(form, "reward_id", required=False),
            reason=form.get("reason", ""),
        )
    elif action in ("approve", "reject"):
        offer_id = whole_number(form, "compensation_id", required=True)
        assert offer_id is not None
        await _own_offer(reference, offer_id)
        if action == "approve":
            await complaints.approve(offer_id, actor)
        else:
            await complaints.reject(offer_id, actor, form.get("reason", ""))
    elif action == "close":
        await complaints.close(reference, actor)
    elif action == "reopen":
        await complaints.reopen(reference, actor, form.get("reason", ""))
    else:
        raise InvalidInput(f"unknown action {action[:40]!r}", field="action")
    return action


async def _own_offer(reference: str, offer_id: int) -> None:
    """A compensation is decided from its own case's page only."""
    if offer_id not in {offer.id for offer in await complaints.for_case(reference)}:
        raise complaints.CompensationNotFound(f"no compensation {offer_id} on {reference}", field="compensation_id")

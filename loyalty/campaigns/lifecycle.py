"""A campaign's life: created as a draft, changed, launched, paused, cancelled, running, finished.

Rules:

* Status: ``draft`` (editable) → ``scheduled`` (launched) → ``running`` (first gift given) →
  ``finished`` (a ``once`` campaign done, the end date passed, or the budget spent);
  ``paused`` stops giving until it is launched again; ``cancelled`` is final. Every move is a
  guarded UPDATE on the statuses it leaves, so two moves at once cannot both happen.
* Launching is refused when its messages' estimated cost exceeds its message budget
  (``loyalty.campaigns.message_cost``).
* A campaign is changed only while draft, scheduled or paused (not while it gives, nor once it
  is over), and always checked whole again (:func:`loyalty.campaigns.fields.validate`).
* Staff moves (create, change, launch, pause, cancel) write their audit row in the same
  transaction; the fan-out's own moves (running, finished) are the system's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from loyalty import audit
from loyalty.campaigns.fields import StoredCampaign, validate
from loyalty.db import write_transaction
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.schema import Campaign, CampaignStatus
from loyalty.settings import MESSAGE_PRICES, MessagePrices

# The statuses in which a campaign gives.
LIVE = (CampaignStatus.SCHEDULED, CampaignStatus.RUNNING)
CHANGEABLE = (CampaignStatus.DRAFT, CampaignStatus.PAUSED, CampaignStatus.SCHEDULED)


class CampaignNotFound(NotFound):
    code = "campaign_not_found"


class CampaignStateConflict(Conflict):
    code = "campaign_state"
    title = "The campaign is not in a state that allows this"


class Action(StrEnum):
    """What staff do to a campaign's status."""

    LAUNCH = "launch"
    PAUSE = "pause"
    CANCEL = "cancel"


TRANSITIONS = {
    Action.LAUNCH: ((CampaignStatus.DRAFT, CampaignStatus.PAUSED), CampaignStatus.SCHEDULED),
    Action.PAUSE: ((CampaignStatus.SCHEDULED, CampaignStatus.RUNNING), CampaignStatus.PAUSED),
    Action.CANCEL: (
        (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED),
        CampaignStatus.CANCELLED,
    ),
}


async def load_campaign(campaign_id: int) -> StoredCampaign:
    row = await Campaign.select().where(Campaign.id == campaign_id).first()
    if row is None:
        raise CampaignNotFound(f"campaign {campaign_id} not found")
    return StoredCampaign.from_row(row)


async def create_campaign(values: Mapping[str, Any], *, actor: audit.StaffActor | None = None) -> int:
    """A new draft campaign from staff's fields (checked whole); returns its id."""
    clean = await validate(values)
    async with write_transaction():
        if await Campaign.exists().where(Campaign.name == clean.name):
            raise Conflict(f"a campaign named {clean.name!r} exists already", field="name")
        campaign = Campaign(**clean.values(), status=CampaignStatus.DRAFT, created_by=actor.user_id if actor else None)
        await campaign.save()
        if actor:
            await audit.record(actor, "campaign.create", "campaign", campaign.id, name=clean.name)
        return int(campaign.id)


async def update_campaign(
    campaign_id: int, changes: Mapping[str, Any], *, actor: audit.StaffActor | None = None
) -> None:
    """Change a campaign in draft, scheduled or paused (not while it gives, nor once it is over)."""
    async with write_transaction():
        current = await load_campaign(campaign_id)
        if current.status not in CHANGEABLE:
            raise CampaignStateConflict(f"a {current.status} campaign cannot be changed")
        before = current.fields().values()
        clean = (await validate({**before, **changes})).values()
        await Campaign.update(
            {
                **{getattr(Campaign, name): value for name, value in clean.items()},
                Campaign.updated_at: datetime.now(UTC),
            }
        ).where((Campaign.id == campaign_id) & (Campaign.status == current.status))
        if actor:
            changed = sorted(name for name, value in clean.items() if before[name] != value)
            await audit.record(actor, "campaign.update", "campaign", campaign_id, changed=changed)


async def change_status(
    campaign_id: int, action: str, *, actor: audit.StaffActor | None = None, prices: MessagePrices = MESSAGE_PRICES
) -> CampaignStatus:
    """Launch, pause or cancel: one guarded UPDATE from the statuses that allow it (a launch
    over the message budget at ``prices`` is refused)."""
    try:
        move = Action(action)
    except ValueError:
        raise InvalidInput(f"action must be one of {', '.join(Action)}", field="action") from None
    allowed, target = TRANSITIONS[move]
    async with write_transaction():
        current = await load_campaign(campaign_id)
        if move == Action.LAUNCH:
            await validate(current.fields().values())
            # Imported here: the estimate reads the audience, which loads campaigns from here.
            from loyalty.campaigns.message_cost import check_budget

            await check_budget(current, prices=prices)
        moved = (
            await Campaign.update({Campaign.status: target, Campaign.updated_at: datetime.now(UTC)})
            .where((Campaign.id == campaign_id) & Campaign.status.is_in(list(allowed)))
            .returning(Campaign.id)
        )
        if not moved:
            raise CampaignStateConflict(f"cannot {move} a {current.status} campaign")
        if actor:
            await audit.record(actor, f"campaign.{move}", "campaign", campaign_id)
        return target


async def mark_running(campaign_id: int, now: datetime) -> None:
    """A scheduled campaign becomes running with its first gift; any other status stays."""
    await Campaign.update({Campaign.status: CampaignStatus.RUNNING, Campaign.updated_at: now}).where(
        (Campaign.id == campaign_id) & (Campaign.status == CampaignStatus.SCHEDULED)
    )


async def finish_campaign(campaign_id: int, now: datetime) -> None:
    """A live (scheduled or running) campaign becomes finished; paused or cancelled ones stay so."""
    await Campaign.update({Campaign.status: CampaignStatus.FINISHED, Campaign.updated_at: now}).where(
        (Campaign.id == campaign_id) & Campaign.status.is_in(list(LIVE))
    )

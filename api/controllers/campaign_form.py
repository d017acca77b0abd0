"""GET/POST /staff/campaigns/new and /staff/campaigns/{id}/edit: the guided campaign form.

The schedule comes first and only the fields it needs are shown (``admin.campaign_form``); the
segment, VIP group and reward are picked by name (``picker.js`` over ``/staff/api/…``), channels
are boxes to tick, and the message is previewed as a member reads it with its SMS parts, the
audience and the estimated cost (``POST /staff/campaigns/preview``). Save calls
``create_campaign`` / ``update_campaign``, Launch ``change_status``: the domain checks and audits.
Without a script the page still saves; "Hiện các ô" re-draws it for a changed schedule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from admin import pickers
from admin.campaign_form import TEMPLATE, campaign_values, not_saved, page_context
from admin.campaign_preview import preview
from api.controllers.segment_pages import EXPIRED, STATUS, form_lists
from api.staff import current_staff
from api.staff_form_token import FIELD, token_for, token_matches, with_token
from api.staff_pages import error_page, page
from loyalty import campaigns
from loyalty.audit import StaffActor
from loyalty.campaigns import EDITABLE, load_campaign
from loyalty.db import MAX_ID
from loyalty.errors import DomainError
from loyalty.schema import Segment, Tier, VipGroup

CampaignId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
Choice = Annotated[str, QueryParameter(max_length=40)]
Saved = Annotated[str, QueryParameter(max_length=20)]
Chosen = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
SAVED = {
    "created": "Đã lưu bản nháp / Saved as a draft.",
    "changed": "Đã lưu / Saved.",
    "launched": "Đã khởi chạy / Launched.",
}


async def _tiers() -> list[tuple[int, str]]:
    rows = await Tier.select(Tier.id, Tier.name_vi, Tier.code).order_by(Tier.rank)
    return [(int(r["id"]), f"{r['name_vi']} ({r['code']})") for r in rows]


async def _names(values: Mapping[str, Any], form: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """What the pickers show: the names of the chosen ids (or what was typed, after a refusal)."""
    typed = {k: (form.get(f"{k}_name") or [""])[0] for k in ("segment", "vip_group", "reward")} if form else {}
    return {
        "segment": await pickers.name_of(Segment, values.get("segment")) or typed.get("segment", ""),
        "vip_group": await pickers.name_of(VipGroup, values.get("vip_group")) or typed.get("vip_group", ""),
        "reward": await pickers.reward_name(values.get("reward")) or typed.get("reward", ""),
    }


async def _values(form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The form's campaign values; a segment or VIP group typed by its exact name, not picked, counts."""
    values = campaign_values(form)
    for key, table in (("segment", Segment), ("vip_group", VipGroup)):
        if values.get(key) is None and values["audience"] == key:
            values[key] = await pickers.id_by_name(table, (form.get(f"{key}_name") or [""])[0])
    return values


def _raw(form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The form as typed, to show again after a refusal."""
    raw: dict[str, Any] = {name: (form.get(name) or [""])[0] for name in EDITABLE}
    raw["channels"] = ",".join(form.get("channels") or [])
    return raw


async def _form_page(
    request: Request[Any, Any, Any],
    values: Mapping[str, Any],
    *,
    campaign_id: int | None = None,
    status: str = "draft",
    names: Mapping[str, str] | None = None,
    error: str = "",
    saved: str = "",
    code: int = 200,
) -> Template:
    user = current_staff(request)
    token = token_for(request)
    context = page_context(
        user.username,
        token,
        values,
        campaign_id=campaign_id,
        status=status,
        names=names if names is not None else await _names(values),
        tiers=await _tiers(),
        error=error,
        saved=saved,
    )
    return with_token(page(TEMPLATE, context, status_code=code), token)


@get("/staff/campaigns/new", include_in_schema=False, media_type="text/html")
async def new_campaign_page(
    request: Request[Any, Any, Any],
    schedule: Choice = "once",
    audience: Choice = "everyone",
    segment: Chosen = None,
) -> Template:
    return await _form_page(request, {"schedule": schedule, "audience": audience, "segment": segment})


@get("/staff/campaigns/{campaign_id:int}/edit", include_in_schema=False, media_type="text/html")
async def edit_campaign_page(request: Request[Any, Any, Any], campaign_id: CampaignId, saved: Saved = "") -> Template:
    stored = await load_campaign(campaign_id)  # unknown: CampaignNotFound, the 404 page
    return await _form_page(
        request, stored.values(), campaign_id=campaign_id, status=stored.status, saved=SAVED.get(saved, "")
    )


async def _save(request: Request[Any, Any, Any], campaign_id: int | None) -> Template | Redirect:
    user = current_staff(request)
    form = form_lists(await request.form())
    if not token_matches(request, (form.get(FIELD) or [""])[0]):
        return error_page(403, EXPIRED)
    status = (await load_campaign(campaign_id)).status if campaign_id else "draft"
    try:
        values = await _values(form)
        if (form.get("step") or [""])[0] == "choose":  # no script: show the fields of the new choices
            return await _form_page(
                request, values, campaign_id=campaign_id, status=status, names=await _names(values, form)
            )
        actor = StaffActor(user.id, user.username)
        if campaign_id is None:
            campaign_id = await campaigns.create_campaign(values, actor=actor)
            return Redirect(f"/staff/campaigns/{campaign_id}/edit?saved=created", status_code=303)
        await campaigns.update_campaign(campaign_id, values, actor=actor)
        return Redirect(f"/staff/campaigns/{campaign_id}/edit?saved=changed", status_code=303)
    except DomainError as exc:
        return await _form_page(
            request,
            _raw(form),
            campaign_id=campaign_id,
            status=status,
            names=await _names({}, form),
            error=not_saved(exc),
            code=STATUS.get(exc.kind, 422),
        )


@post("/staff/campaigns/new", include_in_schema=False, media_type="text/html", status_code=200)
async def create_campaign(request: Request[Any, Any, Any]) -> Template | Redirect:
    return await _save(request, None)


@post("/staff/campaigns/{campaign_id:int}/edit", include_in_schema=False, media_type="text/html", status_code=200)
async def change_campaign(request: Request[Any, Any, Any], campaign_id: CampaignId) -> Template | Redirect:
    await load_campaign(campaign_id)
    return await _save(request, campaign_id)


@post("/staff/campaigns/{campaign_id:int}/launch", include_in_schema=False, media_type="text/html", status_code=200)
async def launch_campaign(request: Request[Any, Any, Any], campaign_id: CampaignId) -> Template | Redirect:
    user = current_staff(request)
    form = form_lists(await request.form())
    if not token_matches(request, (form.get(FIELD) or [""])[0]):
        return error_page(403, EXPIRED)
    stored = await load_campaign(campaign_id)
    try:
        await campaigns.change_status(campaign_id, "launch", actor=StaffActor(user.id, user.username))
    except DomainError as exc:
        message = not_saved(exc).replace("Chưa lưu", "Chưa khởi chạy / not launched", 1)
        return await _form_page(
            request,
            stored.values(),
            campaign_id=campaign_id,
            status=stored.status,
            error=message,
            code=STATUS.get(exc.kind, 422),
        )
    return Redirect(f"/staff/campaigns/{campaign_id}/edit?saved=launched", status_code=303)


@post("/staff/campaigns/preview", include_in_schema=False, status_code=200)
async def preview_campaign(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The form as it stands (posted by its script): the message as read, SMS parts, audience, cost."""
    return await preview(await _values(form_lists(await request.form())))


CAMPAIGN_FORM_ROUTES = [
    new_campaign_page,
    edit_campaign_page,
    create_campaign,
    change_campaign,
    launch_campaign,
    preview_campaign,
]

"""The guided campaign form (``templates/campaign_form.html``): its Vietnamese labels, what a post
means, and the page's context.

The schedule is chosen first and the page shows only the fields it needs
(``loyalty.campaigns.fields.fields_for``, also by audience and gift); a post is read into the same
field values the admin's "Create or change a campaign" form gives the domain
(:func:`campaign_values`): the fields the choices do not use are sent empty, so a campaign
switched from a one-off to birthdays keeps no stale time. Typing mistakes (a word where a number
goes) are refused here in Vietnamese; everything else is checked by ``validate`` in the domain.
Times are typed in the programme's zone (``ZONE_LABEL``); the domain stores them in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from admin.choices_vi import name_of
from admin.forms import ZONE_LABEL
from loyalty.campaigns import EDITABLE, AudienceKind, GiftKind, ScheduleKind, fields_for
from loyalty.config import PROGRAMME
from loyalty.errors import DomainError, InvalidInput
from loyalty.members import CHANNELS
from loyalty.schema import CampaignStatus, MessageChannel

TEMPLATE = "campaign_form.html"

SCHEDULE_LABELS = {
    ScheduleKind.ONCE: "Một lần, vào lúc đã chọn / once",
    ScheduleKind.BIRTHDAY: "Sinh nhật hội viên / birthdays",
    ScheduleKind.ANNIVERSARY: "Kỷ niệm ngày gia nhập / membership anniversary",
    ScheduleKind.HOLIDAY: "Ngày lễ / a holiday",
    ScheduleKind.LUNAR: "Ngày âm lịch (vd. Trung Thu 15/8) / a lunar date",
}
AUDIENCE_LABELS = {
    AudienceKind.EVERYONE: "Tất cả hội viên / everyone",
    AudienceKind.SEGMENT: "Một phân khúc / a segment",
    AudienceKind.VIP_GROUP: "Một nhóm VIP / a VIP group",
    AudienceKind.TIER: "Một hạng thành viên / a tier",
}
GIFT_LABELS = {GiftKind.POINTS: "Tặng điểm / points", GiftKind.VOUCHER: "Tặng phiếu quà (voucher) / a reward's voucher"}
CHANNEL_LABELS = {c: name_of(MessageChannel, c) for c in CHANNELS}
FIELD_LABELS = {
    "name": "Tên chiến dịch",
    "audience": "Đối tượng",
    "segment": "Phân khúc",
    "vip_group": "Nhóm VIP",
    "tier": "Hạng thành viên",
    "gift_kind": "Quà tặng",
    "gift_points": "Số điểm tặng",
    "reward": "Phần thưởng",
    "voucher_valid_days": "Số ngày phiếu có hiệu lực",
    "title_vi": "Tiêu đề (tiếng Việt)",
    "title_en": "Tiêu đề (tiếng Anh)",
    "message_vi": "Lời nhắn (tiếng Việt)",
    "message_en": "Lời nhắn (tiếng Anh)",
    "schedule": "Lịch",
    "run_at": f"Chạy lúc — {ZONE_LABEL}",
    "days_before": "Tặng trước sinh nhật (ngày)",
    "holiday": "Ngày lễ",
    "lunar_month": "Tháng âm lịch",
    "lunar_day": "Ngày âm lịch",
    "starts_on": f"Từ ngày — {ZONE_LABEL}",
    "ends_on": f"Đến ngày — {ZONE_LABEL}",
    "max_gifts": "Tối đa số quà",
    "max_points": "Tối đa tổng điểm",
    "channels": "Kênh gửi",
    "message_budget_vnd": "Ngân sách tin nhắn (đ)",
}
# What a field holds when the schedule, audience or gift chosen does not use it.
UNUSED: dict[str, Any] = {
    "segment": None,
    "vip_group": None,
    "tier": None,
    "gift_points": 0,
    "reward": None,
    "voucher_valid_days": None,
    "run_at": None,
    "days_before": 0,
    "holiday": "",
    "lunar_month": None,
    "lunar_day": None,
    "starts_on": None,
    "ends_on": None,
}
INTS = (
    "segment",
    "vip_group",
    "tier",
    "gift_points",
    "reward",
    "voucher_valid_days",
    "days_before",
    "lunar_month",
    "lunar_day",
    "max_gifts",
    "max_points",
    "message_budget_vnd",
)
DEFAULTS: dict[str, Any] = {
    "name": "",
    "audience": AudienceKind.EVERYONE.value,
    "gift_kind": GiftKind.POINTS.value,
    "gift_points": 100,
    "title_vi": "Quà tặng cho $name",
    "title_en": "A gift for $name",
    "message_vi": "Chúc mừng $name! Bạn nhận được $points điểm từ $campaign.",
    "message_en": "Congratulations $name! You received $points points from $campaign.",
    "schedule": ScheduleKind.ONCE.value,
    "channels": "push",
}
_NUMBER = re.compile(r"\d{1,12}")


class CampaignFormInvalid(InvalidInput):
    code = "invalid_campaign_form"
    title = "Biểu mẫu chưa đúng / The form is not valid"


def holiday_choices(year: int = 2027) -> list[tuple[str, str]]:
    """(the name the domain keeps, the name staff read): each holiday in Vietnamese and English."""
    english = holidays.country_holidays("VN", years=year)
    vietnamese = holidays.country_holidays("VN", years=year, language="vi")
    names: dict[str, str] = {}
    for day, name in sorted(english.items()):
        names.setdefault(name, f"{vietnamese.get(day, name)} / {name}")
    return sorted(names.items(), key=lambda item: item[1])


def _first(form: Mapping[str, Sequence[str]], name: str) -> str:
    items = form.get(name) or [""]
    return str(items[0]).strip()


def _kind(form: Mapping[str, Sequence[str]], name: str, kinds: Any) -> str:
    value = _first(form, name) or str(DEFAULTS[name])
    if value not in {str(k) for k in kinds}:
        raise CampaignFormInvalid(f"{FIELD_LABELS[name]}: chọn một mục trong danh sách / choose one", field=name)
    return value


def choices_of(form: Mapping[str, Sequence[str]]) -> tuple[str, str, str]:
    """The schedule, audience and gift chosen (the page's first questions)."""
    return (
        _kind(form, "schedule", ScheduleKind),
        _kind(form, "audience", AudienceKind),
        _kind(form, "gift_kind", GiftKind),
    )


def campaign_values(form: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Every editable field of the campaign from a posted form: typed, the unused ones empty."""
    schedule, audience, gift = choices_of(form)
    shown = fields_for(schedule, audience, gift)
    values: dict[str, Any] = {}
    for name in EDITABLE:
        if name not in shown:
            values[name] = UNUSED.get(name)
            continue
        values[name] = _read(form, name)
    values.update(schedule=schedule, audience=audience, gift_kind=gift)
    return values


def _read(form: Mapping[str, Sequence[str]], name: str) -> Any:
    label = FIELD_LABELS[name]
    if name == "channels":
        return ",".join(c for c in CHANNELS if c in (form.get("channels") or []))
    text = _first(form, name)
    if name in INTS:
        if not text:
            return UNUSED.get(name)
        digits = text.replace(".", "").replace(" ", "").replace(",", "")
        if not _NUMBER.fullmatch(digits):
            raise CampaignFormInvalid(f"{label}: «{text[:30]}» không phải số nguyên / not a whole number", field=name)
        return int(digits)
    if name == "run_at":
        if not text:
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            raise CampaignFormInvalid(
                f"{label}: ngày giờ chưa đúng (dd/mm/yyyy hh:mm) / not a time", field=name
            ) from None
    if name in ("starts_on", "ends_on"):
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise CampaignFormInvalid(f"{label}: ngày chưa đúng / not a date", field=name) from None
    return text


def not_saved(exc: DomainError) -> str:
    """A refusal as staff read it: the field in Vietnamese, then the domain's words."""
    if isinstance(exc, CampaignFormInvalid):
        return exc.detail
    field = str(exc.data.get("field") or "")
    label = FIELD_LABELS.get(field)
    where = f" — {label}" if label else ""
    return f"Chưa lưu{where} / Not saved: {exc.detail}"


def local_input(moment: datetime | None) -> str:
    """A stored (UTC) time as the programme's local ``datetime-local`` value."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(PROGRAMME.timezone)).strftime("%Y-%m-%dT%H:%M")


def form_view(values: Mapping[str, Any]) -> dict[str, Any]:
    """The fields as the page's inputs show them (text; times local; channels as a list)."""
    view: dict[str, Any] = {name: "" for name in EDITABLE}
    for name, value in {**DEFAULTS, **values}.items():
        if value is None:
            view[name] = ""
        elif name == "run_at" and isinstance(value, datetime):
            view[name] = local_input(value) if value.tzinfo else value.strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, date):
            view[name] = value.isoformat()
        else:
            view[name] = str(value)
    for question, kinds in (("schedule", ScheduleKind), ("audience", AudienceKind), ("gift_kind", GiftKind)):
        if view[question] not in {str(k) for k in kinds}:
            view[question] = DEFAULTS[question]  # a refused choice is shown as the first one again
    view["channel_list"] = [c for c in str(view["channels"] or "push").split(",") if c]
    return view


def page_context(
    username: str,
    token: str,
    values: Mapping[str, Any],
    *,
    campaign_id: int | None = None,
    status: str = "draft",
    names: Mapping[str, str] | None = None,
    tiers: Sequence[tuple[int, str]] = (),
    error: str = "",
    saved: str = "",
) -> dict[str, Any]:
    view = form_view(values)
    shown = fields_for(view["schedule"], view["audience"], view["gift_kind"])
    return {
        "username": username,
        "token": token,
        "campaign_id": campaign_id,
        "status": status,
        "status_label": f"{name_of(CampaignStatus, status)} ({status})",
        "v": view,
        "names": {"segment": "", "vip_group": "", "reward": "", **(names or {})},
        "shown": shown,
        "labels": FIELD_LABELS,
        "schedules": SCHEDULE_LABELS,
        "audiences": AUDIENCE_LABELS,
        "gifts": GIFT_LABELS,
        "channels": CHANNEL_LABELS,
        "holidays": holiday_choices(),
        "tiers": tiers,
        "zone": ZONE_LABEL,
        "error": error,
        "saved": saved,
        "depends": _depends(),
    }


def _depends() -> dict[str, dict[str, list[str]]]:
    """Field → for each question (schedule, audience, gift) the answers under which it is shown:
    the page's script shows a field when every current answer is in its lists."""
    shown: dict[str, dict[str, list[str]]] = {}
    for s in ScheduleKind:
        for a in AudienceKind:
            for g in GiftKind:
                for name in fields_for(s, a, g):
                    answers = shown.setdefault(name, {"schedule": [], "audience": [], "gift_kind": []})
                    for question, answer in (("schedule", s), ("audience", a), ("gift_kind", g)):
                        if answer.value not in answers[question]:
                            answers[question].append(answer.value)
    return shown

"""Event → message: which events a member hears about, in which words, and for what purpose.

Rules:
* Each known event kind has a category, a purpose and a title/body template in Vietnamese and
  English; the member's locale picks one (anything but ``en`` reads Vietnamese, the default).
* Purpose: what a member asked for by acting (points earned or spent, a voucher issued, a tier
  change, a complaint answer) is *transactional*; what we send to bring them back (campaign
  gifts, "expiring soon" reminders) is *marketing* and needs consent, quiet hours and the cap.
* Rendering is safe: ``$name`` placeholders are filled only from the event's own payload, each
  value is converted to text and clipped; no attribute or index lookups (``str.format`` would
  allow ``{x.__class__}``). A template whose values are missing falls back to its plain text.
* The push payload (title, body, data) stays under FCM's 4 KB: the body is clipped first.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Purpose(StrEnum):
    """Decides consent, quiet hours and the frequency cap (see the module's rules)."""

    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


TRANSACTIONAL, MARKETING = Purpose.TRANSACTIONAL, Purpose.MARKETING
MAX_TITLE = 120
MAX_BODY = 500
MAX_VALUE = 120
PUSH_LIMIT_BYTES = 3800  # FCM allows 4096; keep room for FCM's own envelope keys
_PLACEHOLDER = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class Template:
    category: str
    purpose: Purpose
    vi: tuple[str, str]
    en: tuple[str, str]
    # Used when a placeholder's value is missing from the payload.
    vi_plain: tuple[str, str] | None = None
    en_plain: tuple[str, str] | None = None


T = Template
TEMPLATES: dict[str, Template] = {
    "points_earned": T(
        "points",
        TRANSACTIONAL,
        ("Bạn vừa nhận $points điểm", "Số dư hiện tại: $balance điểm. Cảm ơn bạn đã mua sắm!"),
        ("You earned $points points", "Your balance is now $balance points. Thank you for shopping!"),
        ("Bạn vừa nhận điểm thưởng", "Cảm ơn bạn đã mua sắm!"),
        ("You earned points", "Thank you for shopping!"),
    ),
    "points_redeemed": T(
        "points",
        TRANSACTIONAL,
        ("Bạn đã dùng $points điểm", "Số dư còn lại: $balance điểm."),
        ("You spent $points points", "Your balance is now $balance points."),
        ("Bạn đã dùng điểm", "Xem số dư trong ứng dụng."),
        ("You spent points", "See your balance in the app."),
    ),
    "points_adjusted": T(
        "points",
        TRANSACTIONAL,
        ("Điểm của bạn đã được điều chỉnh", "Thay đổi: $delta điểm. Số dư: $balance điểm."),
        ("Your points were adjusted", "Change: $delta points. Balance: $balance points."),
        ("Điểm của bạn đã được điều chỉnh", "Xem chi tiết trong ứng dụng."),
        ("Your points were adjusted", "See the details in the app."),
    ),
    "points_reversed": T(
        "points",
        TRANSACTIONAL,
        ("Điểm của một giao dịch đã được hoàn", "Số dư: $balance điểm."),
        ("Points of a purchase were reversed", "Balance: $balance points."),
        ("Điểm của một giao dịch đã được hoàn", "Xem chi tiết trong ứng dụng."),
        ("Points of a purchase were reversed", "See the details in the app."),
    ),
    "points_expired": T(
        "points",
        TRANSACTIONAL,
        ("$points điểm đã hết hạn", "Số dư còn lại: $balance điểm."),
        ("$points points expired", "Your balance is now $balance points."),
        ("Một phần điểm đã hết hạn", "Xem số dư trong ứng dụng."),
        ("Some points expired", "See your balance in the app."),
    ),
    "points_expiring_soon": T(
        "points",
        MARKETING,
        ("$points điểm sắp hết hạn", "Hãy dùng điểm trước ngày $expires_on để không bị mất."),
        ("$points points expire soon", "Use them before $expires_on so you don't lose them."),
        ("Điểm của bạn sắp hết hạn", "Hãy dùng điểm trước khi hết hạn."),
        ("Your points expire soon", "Use them before they expire."),
    ),
    "tier_changed": T(
        "tier",
        TRANSACTIONAL,
        ("Hạng thành viên mới: $to_tier_name", "Hạng của bạn đã thay đổi. Xem quyền lợi trong ứng dụng."),
        ("Your new tier: $to_tier_name", "Your membership tier changed. See your benefits in the app."),
        ("Hạng thành viên của bạn đã thay đổi", "Xem quyền lợi trong ứng dụng."),
        ("Your membership tier changed", "See your benefits in the app."),
    ),
    "voucher_issued": T(
        "voucher",
        TRANSACTIONAL,
        ("Bạn có voucher mới", "Voucher $code đã sẵn sàng, dùng trước $valid_until."),
        ("You have a new voucher", "Voucher $code is ready; use it before $valid_until."),
        ("Bạn có voucher mới", "Xem voucher trong ứng dụng."),
        ("You have a new voucher", "See it in the app."),
    ),
    "voucher_redeemed": T(
        "voucher",
        TRANSACTIONAL,
        ("Voucher đã được sử dụng", "Voucher $code vừa được dùng tại cửa hàng."),
        ("Voucher used", "Voucher $code was just used in store."),
        ("Voucher đã được sử dụng", "Cảm ơn bạn!"),
        ("Voucher used", "Thank you!"),
    ),
    "voucher_cancelled": T(
        "voucher",
        TRANSACTIONAL,
        ("Voucher đã bị huỷ", "Voucher $code đã bị huỷ; điểm đã được hoàn lại nếu có."),
        ("Voucher cancelled", "Voucher $code was cancelled; any points were given back."),
        ("Voucher đã bị huỷ", "Xem chi tiết trong ứng dụng."),
        ("Voucher cancelled", "See the details in the app."),
    ),
    "voucher_expiring_soon": T(
        "voucher",
        MARKETING,
        ("Voucher sắp hết hạn", "Voucher $code hết hạn vào $valid_until. Dùng ngay nhé!"),
        ("Your voucher expires soon", "Voucher $code expires on $valid_until. Use it now!"),
        ("Voucher sắp hết hạn", "Dùng ngay nhé!"),
        ("Your voucher expires soon", "Use it now!"),
    ),
    "campaign_gift": T(
        "gift",
        MARKETING,
        ("Bạn có một món quà", "Mở ứng dụng để xem quà của bạn."),
        ("You have a gift", "Open the app to see your gift."),
    ),
    "complaint_updated": T(
        "complaint",
        TRANSACTIONAL,
        ("Phản hồi của bạn đã được cập nhật", "Trạng thái mới: $status. Xem chi tiết trong ứng dụng."),
        ("Your feedback was updated", "New status: $status. See the details in the app."),
        ("Phản hồi của bạn đã được cập nhật", "Xem chi tiết trong ứng dụng."),
        ("Your feedback was updated", "See the details in the app."),
    ),
    # One-off messages staff write: their own words come in the payload (title_vi, body_vi, …).
    "staff_notice": T(
        "service",
        TRANSACTIONAL,
        ("Thông báo từ cửa hàng", "Bạn có một thông báo mới."),
        ("A message from the shop", "You have a new message."),
    ),
    "staff_offer": T(
        "offer",
        MARKETING,
        ("Ưu đãi dành cho bạn", "Bạn có một ưu đãi mới."),
        ("An offer for you", "You have a new offer."),
    ),
}


@dataclass(frozen=True)
class Rendered:
    kind: str
    category: str
    purpose: Purpose
    locale: str
    title: str
    body: str
    data: dict[str, str]


def render(kind: str, payload: dict[str, Any], locale: str) -> Rendered | None:
    """The message for one event in one locale, or None for kinds members do not hear about."""
    template = TEMPLATES.get(kind)
    if template is None:
        return None
    locale = "en" if locale == "en" else "vi"
    values = {k: _text(v, locale) for k, v in payload.items() if isinstance(k, str) and v is not None}
    # Events carry names in both languages ("to_tier_name_vi", "…_en"): use the member's.
    suffix = f"_{locale}"
    values.update({k.removesuffix(suffix): v for k, v in list(values.items()) if k.endswith(suffix)})
    if "to_tier_name" not in values and "to_tier" in values:
        values["to_tier_name"] = values["to_tier"]
    own = (payload.get(f"title_{locale}"), payload.get(f"body_{locale}"))
    if isinstance(own[0], str) and isinstance(own[1], str) and own[0].strip():
        # Campaigns bring their own (already rendered, staff-written) words.
        title, body = own[0], own[1]
    else:
        pair = template.en if locale == "en" else template.vi
        plain = template.en_plain if locale == "en" else template.vi_plain
        filled = (_fill(pair[0], values), _fill(pair[1], values))
        if filled[0] is None or filled[1] is None:
            title, body = plain or pair
        else:
            title, body = filled[0], filled[1]
    data = {"kind": kind, "category": template.category}
    data.update({k: v for k, v in values.items() if k in _DATA_KEYS})
    return fit(Rendered(kind, template.category, template.purpose, locale, _clip(title, MAX_TITLE), body, data))


_DATA_KEYS = {"points", "balance", "delta", "to_tier", "code", "voucher_id", "complaint_id", "campaign_id"}


def fit(message: Rendered) -> Rendered:
    """Clip the body (then drop data extras) until the push payload fits in FCM's limit."""
    body = _clip(message.body, MAX_BODY)
    data = dict(message.data)
    while push_size(message.title, body, data) > PUSH_LIMIT_BYTES:
        if len(body) > 40:
            body = _clip(body, len(body) // 2)
        elif len(data) > 2:
            data.pop(sorted(k for k in data if k not in ("kind", "category"))[0])
        else:
            break
    return Rendered(message.kind, message.category, message.purpose, message.locale, message.title, body, data)


def push_size(title: str, body: str, data: dict[str, str]) -> int:
    return len(json.dumps({"notification": {"title": title, "body": body}, "data": data}).encode())


def _fill(text: str, values: dict[str, str]) -> str | None:
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = values.get(match.group(1))
        if found is None:
            missing = True
            return ""
        return found

    filled = _PLACEHOLDER.sub(value, text)
    return None if missing else filled


def _text(value: Any, locale: str) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        grouped = f"{value:,}"
        return grouped.replace(",", ".") if locale == "vi" else grouped
    text = "" if value is None else str(value)
    # Dates arrive as ISO text; show the day only.
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ][\d:.]+([+-]\d{2}:\d{2}|Z)?", text):
        day = text[:10]
        text = f"{day[8:10]}/{day[5:7]}/{day[0:4]}"
    return _clip(" ".join(text.split()), MAX_VALUE)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def stored_dict(value: Any) -> dict[str, Any]:
    """A JSON object as the database gives it back (text, or already decoded); {} otherwise."""
    if isinstance(value, str):
        loaded = json.loads(value or "{}")
        return loaded if isinstance(loaded, dict) else {}
    return value if isinstance(value, dict) else {}

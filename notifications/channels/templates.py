"""Each message kind's words per channel: a short SMS (vi/en), an e-mail (subject, text, HTML), ZNS data.

Rules:

* Every kind of ``notifications.messages.TEMPLATES`` has an SMS text in Vietnamese and English,
  written to fit one part without diacritics with the longest plausible values
  (``LONGEST_VALUES``); a campaign's own words may take ``CAMPAIGN_SMS_PARTS``. Placeholders are
  ``$name`` from :attr:`Outgoing.params` plus ``$title`` and ``$body`` (the message already
  rendered in the member's locale); a placeholder without a value falls back to ``$title``.
  A marketing SMS ends with how to stop them ("Tu choi QC: soan TC gui <SMS_REPLY_TO>", or
  "tra loi TC" without a number): the reply is ``notifications.sms_replies``'s.
* An e-mail is the message's title as subject and its body in a small layout per locale; the
  plain-text and the HTML part come from the same words (HTML escapes every value). Marketing
  mail names its unsubscribe link in the footer as well as in ``List-Unsubscribe``.
* ZNS sends a template registered with Zalo: the kind picks its id (``ZALO_TEMPLATES``, the kind's
  own name when unset, as the demo OA registers them) and its data are the params, each clipped
  to ZNS's parameter length.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from notifications.channels.base import Outgoing

# The e-mail's HTML part is a template (autoescaped), like every page: no markup is built in Python.
_EMAIL_PAGE = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
).get_template("email.html")

CAMPAIGN_SMS_PARTS = 2
ZNS_VALUE_LIMIT = 30  # ZNS parameters of type "text" take up to 30 characters (names, codes)
_PLACEHOLDER = re.compile(r"\$([a-z_][a-z0-9_]*)")

# kind -> (vi, en); short: one GSM-7 part once the diacritics are gone.
SMS: dict[str, tuple[str, str]] = {
    "points_earned": (
        "Bạn vừa nhận $points điểm. Số dư: $balance điểm.",
        "You earned $points points. Balance: $balance.",
    ),
    "points_redeemed": (
        "Bạn đã dùng $points điểm. Số dư: $balance điểm.",
        "You spent $points points. Balance: $balance.",
    ),
    "points_adjusted": (
        "Điểm của bạn được điều chỉnh $delta. Số dư: $balance điểm.",
        "Points adjusted by $delta. Balance: $balance.",
    ),
    "points_reversed": (
        "Điểm của một giao dịch đã được hoàn. Số dư: $balance điểm.",
        "Points of a purchase were reversed. Balance: $balance.",
    ),
    "points_expired": ("$points điểm đã hết hạn. Số dư: $balance điểm.", "$points points expired. Balance: $balance."),
    "points_expiring_soon": (
        "$points điểm sẽ hết hạn ngày $expires_on. Dùng ngay nhé!",
        "$points points expire on $expires_on. Use them now!",
    ),
    "tier_changed": (
        "Chúc mừng! Hạng thành viên mới của bạn: $to_tier_name.",
        "Congratulations! Your new tier: $to_tier_name.",
    ),
    "voucher_issued": (
        "Bạn có voucher $code, dùng trước $valid_until.",
        "Your voucher $code is ready; use it before $valid_until.",
    ),
    "voucher_redeemed": ("Voucher $code vừa được sử dụng. Cảm ơn bạn!", "Voucher $code was just used. Thank you!"),
    "voucher_cancelled": (
        "Voucher $code đã bị huỷ; điểm đã được hoàn nếu có.",
        "Voucher $code was cancelled; any points were returned.",
    ),
    "voucher_expiring_soon": (
        "Voucher $code hết hạn ngày $valid_until. Dùng ngay nhé!",
        "Voucher $code expires on $valid_until. Use it now!",
    ),
    "campaign_gift": ("$title $body", "$title $body"),
    "complaint_updated": ("Phản hồi của bạn đã được cập nhật: $status.", "Your feedback was updated: $status."),
    "staff_notice": ("$title: $body", "$title: $body"),
    "staff_offer": ("$title: $body", "$title: $body"),
    # Sent straight from a till's request, never through the inbox (DIRECT_KINDS).
    "phone_code": (
        "Mã xác nhận Thân Thiết: $code, hiệu lực $minutes phút. Không đưa mã này cho ai khác.",
        "Than Thiet code: $code, valid $minutes minutes. Never share it.",
    ),
}

# The opt-out line of every marketing SMS (with and without the number customers text).
SMS_OPT_OUT = {
    "vi": ("Từ chối QC: soạn TC gửi {number}", "Từ chối QC: trả lời TC"),
    "en": ("Opt out: text TC to {number}", "Opt out: reply TC"),
}

# Kinds sent at once to one phone, not made from a domain event: a one-time code never sits in
# an inbox, an event or a delivery row, where staff or a backup could read it.
DIRECT_KINDS = frozenset({"phone_code"})


# The longest values a message plausibly carries, for the length test and the campaign preview.
LONGEST_VALUES: dict[str, str] = {
    "points": "1.000.000",
    "balance": "999.999.999",
    "delta": "-1.000.000",
    "expires_on": "31/12/2026",
    "valid_until": "31/12/2026",
    "to_tier_name": "Kim Cương Vĩnh Viễn",
    "code": "VC-ABCD-EFGH-1234",
    "status": "Đang xử lý",
    "title": "Quà tặng sinh nhật dành riêng cho bạn",
    "body": "Nhận ngay voucher giảm 20% tại mọi cửa hàng đến hết tháng này.",
    "minutes": "10",
}

_LAYOUT = {
    "vi": ("Xin chào,", "Cảm ơn bạn đã là thành viên.", "Huỷ nhận thư quảng cáo"),
    "en": ("Hello,", "Thank you for being a member.", "Unsubscribe from promotions"),
}


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


STAFF_WORDS = frozenset({"campaign_gift", "staff_notice", "staff_offer"})  # staff write the words


def sms_parts_allowed(kind: str) -> int:
    return CAMPAIGN_SMS_PARTS if kind in STAFF_WORDS else 1


def sms_text(message: Outgoing, reply_to: str | None = None) -> str:
    """The SMS words for one message (diacritics still in: the sender strips them if it must);
    a marketing one ends with its opt-out line (``reply_to``: the number customers text)."""
    pair = SMS.get(message.kind)
    values = {**dict(message.params), "title": message.title, "body": message.body}
    text = None if pair is None else _fill(pair[1] if message.locale == "en" else pair[0], values)
    words = message.title if text is None else text
    if message.purpose != "marketing":
        return words
    with_number, without = SMS_OPT_OUT["en" if message.locale == "en" else "vi"]
    return f"{words} {with_number.format(number=reply_to) if reply_to else without}"


def email(message: Outgoing) -> Email:
    greeting, closing, unsubscribe = _LAYOUT["en" if message.locale == "en" else "vi"]
    lines = [greeting, "", message.body, "", closing]
    if message.unsubscribe_url:
        lines += ["", f"{unsubscribe}: {message.unsubscribe_url}"]
    page = _EMAIL_PAGE.render(
        locale=message.locale,
        title=message.title,
        paragraphs=[greeting, message.body, closing],
        unsubscribe_url=message.unsubscribe_url,
        unsubscribe=unsubscribe,
    )
    return Email(message.title, "\n".join(lines) + "\n", page)


def zns_template_id(kind: str, templates: Mapping[str, str]) -> str:
    return templates.get(kind) or kind


def zns_data(message: Outgoing) -> dict[str, str]:
    return {k: _clip(str(v), ZNS_VALUE_LIMIT) for k, v in message.params.items()}


def _fill(text: str, values: Mapping[str, str]) -> str | None:
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = values.get(match.group(1))
        if found is None or found == "":
            missing = True
            return ""
        return found

    filled = _PLACEHOLDER.sub(value, text)
    return None if missing else " ".join(filled.split())


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

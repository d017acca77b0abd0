"""Every message kind has its words on every channel, and every SMS fits its parts."""

from __future__ import annotations

import re
from dataclasses import replace

from notifications.channels import Outgoing
from notifications.channels.sms_text import prepare
from notifications.channels.templates import (
    DIRECT_KINDS,
    LONGEST_VALUES,
    SMS,
    email,
    sms_parts_allowed,
    sms_text,
    zns_data,
    zns_template_id,
)
from notifications.messages import TEMPLATES


def longest(kind: str, locale: str) -> Outgoing:
    return Outgoing(
        delivery_id=1,
        address="+84900000001",
        kind=kind,
        locale=locale,
        purpose="marketing",
        title=LONGEST_VALUES["title"],
        body=LONGEST_VALUES["body"],
        params=LONGEST_VALUES,
        unsubscribe_url="https://shop.example/u/abc",
    )


def test_every_kind_has_an_sms_and_an_email_in_both_locales() -> None:
    assert set(SMS) == set(TEMPLATES) | DIRECT_KINDS
    for kind in TEMPLATES:
        for locale in ("vi", "en"):
            message = longest(kind, locale)
            assert "$" not in sms_text(message)
            words = email(message)
            assert words.subject and message.body in words.text and "<html" in words.html


def test_every_sms_fits_its_parts_with_the_longest_values() -> None:
    for kind, pair in SMS.items():
        placeholders = set(re.findall(r"\$([a-z_]+)", pair[0] + pair[1]))
        assert placeholders <= set(LONGEST_VALUES), kind
        for locale in ("vi", "en"):
            text, parts = prepare(sms_text(longest(kind, locale)), unicode=False, max_parts=sms_parts_allowed(kind))
            assert parts.encoding == "gsm7" and text.isascii(), (kind, locale)


def test_a_missing_value_falls_back_to_the_title() -> None:
    message = replace(longest("voucher_issued", "vi"), params={"code": "VC1"}, purpose="transactional")
    assert sms_text(message) == message.title


def test_email_escapes_values_in_html() -> None:
    message = replace(longest("points_earned", "en"), title="<b>x</b>", body="a & b")
    words = email(message)
    assert "<b>x</b>" not in words.html and "&lt;b&gt;" in words.html and "a &amp; b" in words.html
    assert "a & b" in words.text


def test_zns_template_and_data() -> None:
    assert zns_template_id("points_earned", {"points_earned": "123"}) == "123"
    assert zns_template_id("tier_changed", {}) == "tier_changed"
    data = zns_data(replace(longest("points_earned", "vi"), params={"name": "x" * 40}))
    assert len(data["name"]) == 30

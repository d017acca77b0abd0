"""The staff form that sends a one-off message to a member or a VIP group on a chosen channel."""

from __future__ import annotations

from typing import Literal

from piccolo_admin.endpoints import FormConfig
from pydantic import Field
from starlette.requests import Request

from admin.forms import StaffForm, shows_domain_errors, staff_actor
from loyalty import campaigns

GROUP = "Campaigns"


class OneOffForm(StaffForm):
    channel: Literal["push", "zalo", "sms", "email"] = Field(description="push, zalo, sms or email")
    kind: Literal["notice", "offer"] = Field(
        description="notice: a service message (no consent needed); offer: marketing (only members who agreed)"
    )
    title: str = Field(min_length=1, max_length=100)
    body: str = Field(min_length=1, max_length=1000, description="SMS: title and text at most 300 characters")
    phone: str | None = Field(default=None, max_length=32, description="One member: their phone number, or …")
    vip_group: int | None = Field(default=None, gt=0, le=2**31 - 1, description="… every member of a VIP group")


@shows_domain_errors
async def send_one_off(request: Request, data: OneOffForm) -> str:
    count = await campaigns.send_one_off(
        staff_actor(request),
        channel=data.channel,
        offer=data.kind == "offer",
        title=data.title,
        body=data.body,
        phone=data.phone or None,
        vip_group=data.vip_group,
    )
    return f"Message queued for {count} member(s) on {data.channel}; see Deliveries for each one's status."


FORMS = [
    FormConfig(
        name="Send a message",
        pydantic_model=OneOffForm,
        endpoint=send_one_off,
        description="To one member or a VIP group, on the channel you choose; offers only reach members who agreed.",
        form_group=GROUP,
    ),
]

"""/api/v1/me/devices, /me/notifications, /me/consents: the member's pushes, inbox and consents."""

from __future__ import annotations

from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody

from api.auth import CallingMember
from api.pagination import Cursor, Limit, decode_cursor, encode_cursor
from api.schemas_notifications import (
    ConsentsIn,
    ConsentsOut,
    DeviceIn,
    DeviceOut,
    NotificationOut,
    NotificationPage,
)
from notifications import consent, devices
from notifications.config import NotifySettings

SETTINGS = NotifySettings.from_env()


def consents_out(found: consent.Consents) -> ConsentsOut:
    return ConsentsOut(
        push_marketing=found.push_marketing,
        email_marketing=found.email_marketing,
        sms_marketing=found.sms_marketing,
        zalo_marketing=found.zalo_marketing,
        push_transactional=True,
        text_version=found.text_version,
        updated_at=found.updated_at,
    )


class NotificationsController(Controller):
    path = "/me"
    tags = ["notifications"]

    @post("/devices", status_code=201, summary="Register this device's push token (idempotent on the token)")
    async def add_device(self, member: CallingMember, data: JSONBody[DeviceIn]) -> DeviceOut:
        found = await devices.register(member.id, data.token, data.platform, data.app_version)
        return DeviceOut(found.token, found.platform, found.app_version, found.active, found.last_seen_at)

    @delete("/devices/{token:str}", status_code=204, summary="Stop pushes to this device")
    async def remove_device(self, member: CallingMember, token: FromPath[str]) -> None:
        await devices.forget(member.id, token)

    @get("/notifications", summary="The member's inbox, newest first")
    async def list_notifications(
        self,
        member: CallingMember,
        limit: Limit = 20,
        cursor: Cursor = None,
    ) -> NotificationPage:
        page = await devices.inbox(member.id, limit=limit, before=decode_cursor("n", cursor))
        following = encode_cursor("n", page.next_before) if page.next_before is not None else None
        items = [
            NotificationOut(item.id, item.title, item.body, item.category, item.data, item.created_at, item.read_at)
            for item in page.items
        ]
        return NotificationPage(items, following)

    @post("/notifications/{message_id:int}/read", status_code=204, summary="Mark a notification read")
    async def read_notification(self, member: CallingMember, message_id: FromPath[int]) -> None:
        await devices.mark_read(member.id, message_id)

    @get("/consents", summary="The member's consents")
    async def get_consents(self, member: CallingMember) -> ConsentsOut:
        return consents_out(await consent.current(member.id))

    @put("/consents", summary="Grant or withdraw marketing consent per channel")
    async def put_consents(self, member: CallingMember, data: JSONBody[ConsentsIn]) -> ConsentsOut:
        choices = {"push": data.push_marketing, "email": data.email_marketing, "sms": data.sms_marketing}
        if data.zalo_marketing is not None:
            choices["zalo"] = data.zalo_marketing
        found = await consent.set_marketing(
            member.id,
            choices,
            text_version=data.text_version or SETTINGS.consent_text_version,
        )
        return consents_out(found)

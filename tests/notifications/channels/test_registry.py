"""Which channels are on: by their settings alone, console only when asked."""

from __future__ import annotations

from notifications.channels import Channel, SendStatus
from notifications.channels.console import ConsoleChannelSender
from notifications.channels.email import EmailSender
from notifications.channels.registry import senders_from_settings
from notifications.channels.sms import SmsSender
from notifications.channels.zalo import ZaloZnsSender
from notifications.config import NotifySettings
from tests.notifications.channels.helpers import outgoing


async def test_nothing_set_is_every_channel_off() -> None:
    assert senders_from_settings(NotifySettings.from_env({})) == {}


async def test_complete_settings_turn_a_channel_on() -> None:
    env = {
        "ZALO_APP_ID": "a",
        "ZALO_SECRET_KEY": "s",
        "SMS_URL": "http://127.0.0.1:9/",
        "SMS_API_KEY": "k",
        "SMS_SECRET": "s",
        "SMS_BRANDNAME": "B",
        "SMTP_HOST": "127.0.0.1",
        "MAIL_FROM": "care@shop.example",
    }
    senders = senders_from_settings(NotifySettings.from_env(env))
    try:
        assert isinstance(senders[Channel.ZALO], ZaloZnsSender)
        assert isinstance(senders[Channel.SMS], SmsSender)
        assert isinstance(senders[Channel.EMAIL], EmailSender)
        half = senders_from_settings(NotifySettings.from_env({"SMS_URL": "http://127.0.0.1:9/", "SMTP_HOST": "h"}))
        assert half == {}
    finally:
        for sender in senders.values():
            await sender.aclose()


async def test_console_fills_the_channels_without_settings() -> None:
    senders = senders_from_settings(NotifySettings.from_env({"CHANNELS_CONSOLE": "true"}))
    assert set(senders) == {Channel.ZALO, Channel.SMS, Channel.EMAIL}
    sms = senders[Channel.SMS]
    assert isinstance(sms, ConsoleChannelSender)
    [result] = await sms.send([outgoing(1, "+84900000001")])
    assert result.status is SendStatus.SENT and result.cost_vnd == 0 and sms.estimate_vnd(outgoing(1, "x")) == 0

"""Which channels are on: a sender for each channel whose settings are complete, none for the rest.

Rules:

* Zalo is on with ``ZALO_APP_ID`` + ``ZALO_SECRET_KEY`` (+ a refresh token, first in
  ``ZALO_REFRESH_TOKEN``, then in ``ZALO_TOKEN_FILE``); SMS with ``SMS_URL`` + ``SMS_API_KEY`` +
  ``SMS_SECRET`` + ``SMS_BRANDNAME``; e-mail with ``SMTP_HOST`` + ``MAIL_FROM``. A channel missing
  any of them is absent from the mapping: off, and routing never picks it.
* With nothing set, development does not pretend: Zalo, SMS and e-mail are off, so routing falls
  back as it would in production. ``CHANNELS_CONSOLE=true`` turns every channel that has no
  settings into a console sender (logged, sent, cost 0) to see the messages while developing.
* Push is not built here: its sender (FCM or console) is ``notifications.senders``'s.
"""

from __future__ import annotations

from notifications.channels.base import Channel, ChannelSender
from notifications.channels.console import ConsoleChannelSender
from notifications.channels.email import EmailSender
from notifications.channels.sms import SmsSender
from notifications.channels.zalo import ZaloZnsSender
from notifications.config import NotifySettings


def senders_from_settings(settings: NotifySettings) -> dict[Channel, ChannelSender]:
    senders: dict[Channel, ChannelSender] = {}
    configured = settings.configured_channels()  # the settings' rule, read in one place
    if Channel.ZALO in configured:
        senders[Channel.ZALO] = ZaloZnsSender(settings)
    if Channel.SMS in configured:
        senders[Channel.SMS] = SmsSender(settings)
    if Channel.EMAIL in configured:
        senders[Channel.EMAIL] = EmailSender(settings)
    if settings.channels_console:
        for channel in (Channel.ZALO, Channel.SMS, Channel.EMAIL):
            senders.setdefault(channel, ConsoleChannelSender(channel))
    return senders

"""The channels a message leaves by, behind one sender interface (``base``).

Modules:

* ``base``: What every channel's sender speaks: one message to one address in, one outcome out.
* ``zalo``, ``zalo_token``: Zalo ZNS template messages; the OA access token and its single-use
  refresh token, kept in ``ZALO_TOKEN_FILE``.
* ``sms``, ``sms_text``: brand-name SMS through an eSMS-style gateway; text without diacritics and
  its GSM-7/UCS-2 part count.
* ``email``: SMTP with aiosmtplib, plain text + HTML, ``List-Unsubscribe`` for marketing.
* ``templates``: each message kind's SMS, e-mail and ZNS words.
* ``receipts``: Zalo and SMS delivery callbacks verified and read (``verify_zalo_callback``,
  ``verify_sms_callback``, ``BadCallback``).
* ``console``, ``registry``: development senders; ``senders_from_settings``, the channels that are on.
"""

from notifications.channels.base import Channel, ChannelSender, Outgoing, SendStatus, Sent
from notifications.channels.receipts import BadCallback, NotAReceipt, Receipt, verify_sms_callback, verify_zalo_callback
from notifications.channels.registry import senders_from_settings
from notifications.channels.sms_text import TooLong, count_parts, strip_diacritics
from notifications.channels.templates import Email, email, sms_text

__all__ = [
    "BadCallback",
    "Channel",
    "ChannelSender",
    "Email",
    "NotAReceipt",
    "Outgoing",
    "Receipt",
    "SendStatus",
    "Sent",
    "TooLong",
    "count_parts",
    "email",
    "senders_from_settings",
    "sms_text",
    "strip_diacritics",
    "verify_sms_callback",
    "verify_zalo_callback",
]

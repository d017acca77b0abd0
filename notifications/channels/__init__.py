"""The channels a message leaves by, behind one sender interface (``base``).

Modules:

* ``base``: What every channel's sender speaks: one message to one address in, one outcome out.
"""

from notifications.channels.base import Channel, ChannelSender, Outgoing, SendStatus, Sent

__all__ = ["Channel", "ChannelSender", "Outgoing", "SendStatus", "Sent"]

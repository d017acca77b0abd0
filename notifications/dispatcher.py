"""The dispatcher: domain events → inbox messages → deliveries → pushes, one round at a time.

Rules and invariants (each kept by the module that does the step):

* **Nothing lost, nothing made or sent twice when a worker dies.** Every step claims its rows
  in a write transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of workers
  split the work; SQLite's IMMEDIATE transactions take turns) and either commits all of a batch
  or none of it; every write back is guarded on the row's status.
* **Events → messages** (``materialize``, ``gift_messages``): one message per (event, member),
  unique in the database; one delivery per (message, device).
* **Held marketing** (``release``): consent, quiet hours and the frequency cap decide when, or
  whether, a marketing push goes.
* **Pushes** (``sending``): claimed under a lease that a dead worker's claim runs out of, sent
  outside any transaction (at most the batch in flight twice after a crash).
* **Answers** (``answers``): sent, failed, retried with backoff, dead tokens deactivated.
* **Other channels** (``routing``, ``channel_sending``, ``channel_answers``, ``fallback``): a
  message takes the member's first usable channel; Zalo, SMS and e-mail are claimed and sent
  like pushes; a transactional message its channel did not deliver goes on the next, once.

A round (:func:`tick`) does each step once; the worker calls it in a loop, tests and one-shot
runs :func:`drain` it until nothing is left to do now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from notifications import channel_sending
from notifications.answers import backoff, deactivate_devices, give_up_lost, record
from notifications.channels.base import Channel, ChannelSender
from notifications.config import NotifySettings
from notifications.fallback import fall_back
from notifications.materialize import materialize
from notifications.release import release_held
from notifications.routing import PUSH_ONLY
from notifications.senders import Sender
from notifications.sending import Claimed, claim

__all__ = [
    "Claimed",
    "Tick",
    "backoff",
    "claim",
    "deactivate_devices",
    "drain",
    "fall_back",
    "give_up_lost",
    "materialize",
    "record",
    "release_held",
    "send_due",
    "tick",
]


@dataclass
class Tick:
    """What one round (or a drain) did; mutable because a drain adds its rounds up."""

    events: int = 0
    released: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0
    fell_back: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.events or self.released or self.sent or self.failed or self.retried or self.fell_back)


async def send_due(sender: Sender, settings: NotifySettings, *, now: datetime | None = None) -> Tick:
    """Claim one batch, send it, record the answers."""
    claimed = await claim(settings, now=now)
    if not claimed:
        return Tick()
    results = await sender.send([c.push for c in claimed])
    answered = await record(claimed, results, settings, now=now)
    return Tick(sent=answered.sent, failed=answered.failed, retried=answered.retried)


Senders = Mapping[Channel, ChannelSender]


def others(senders: Senders | None) -> dict[Channel, ChannelSender]:
    """The channel senders besides push (push has its own sender, ``senders.Sender``)."""
    return {channel: s for channel, s in (senders or {}).items() if channel is not Channel.PUSH}


async def tick(
    sender: Sender, settings: NotifySettings, *, now: datetime | None = None, senders: Senders | None = None
) -> Tick:
    """One round of everything the dispatcher does; the worker calls it in a loop. ``senders``
    are the other channels' senders: a channel without one is off."""
    channel_senders = others(senders)
    on = PUSH_ONLY | set(channel_senders)
    done = Tick()
    done.events = await materialize(settings, now=now, channels=on)
    # A send batch released for each channel on: each channel's sender then sends a whole batch
    # a round (one batch for all of them left each a third of one; bench/messages.py).
    done.released = await release_held(settings, now=now, limit=settings.send_batch * len(on))
    sent = await send_due(sender, settings, now=now)
    done.sent, done.failed, done.retried = sent.sent, sent.failed, sent.retried
    for channel_sender in channel_senders.values():
        answered = await channel_sending.send_due(channel_sender, settings, now=now)
        done.sent += answered.sent
        done.failed += answered.failed
        done.retried += answered.retried
    done.failed += await give_up_lost(settings, now=now)
    # A fallback may go to a channel another worker sends (this one lacks its sender): the new
    # delivery waits, pending, for a worker that has it, instead of being dropped.
    reachable = on | {Channel(c) for c in settings.deployment_channels()}
    if reachable != PUSH_ONLY:  # with push alone there is no next channel: no scan per tick
        done.fell_back = await fall_back(settings, reachable, now=now)
    return done


async def drain(
    sender: Sender,
    settings: NotifySettings,
    *,
    now: datetime | None = None,
    rounds: int = 1000,
    senders: Senders | None = None,
) -> Tick:
    """Tick until there is nothing to do right now (tests and one-shot runs)."""
    total = Tick()
    for _ in range(rounds):
        done = await tick(sender, settings, now=now, senders=senders)
        if not done.busy:
            break
        total.events += done.events
        total.released += done.released
        total.sent += done.sent
        total.failed += done.failed
        total.retried += done.retried
        total.fell_back += done.fell_back
    return total

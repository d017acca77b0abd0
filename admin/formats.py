"""How the staff pages write numbers, money, rates and times: the Vietnamese way.

``3.500.000 ₫`` for đồng, ``12.345`` for points and counts, ``1,5 %`` for a rate kept per mille,
``01/12/2026 13:20`` for a moment in the programme's zone and ``01/12/2026`` for a date.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from loyalty.config import PROGRAMME

NOTHING = "–"


def points(value: int) -> str:
    """A count or a number of points with dots between thousands: ``12.345``, ``-1.200``."""
    return f"{value:,}".replace(",", ".")


def vnd(value: int) -> str:
    """An amount in đồng: ``3.500.000 ₫`` (a no-break space before the sign keeps them together)."""
    return f"{points(value)}\u00a0₫"


def permille(value: int | None) -> str:
    """A rate kept per mille as a percentage with a decimal comma: 15 → ``1,5 %``."""
    if value is None:
        return NOTHING
    whole, tenth = divmod(abs(value), 10)
    return f"{'-' if value < 0 else ''}{whole},{tenth}\u00a0%"


def local_time(moment: datetime, zone: str | None = None) -> str:
    """A moment in the programme's zone (or ``zone``), to the minute: ``01/12/2026 13:20``."""
    return f"{moment.astimezone(ZoneInfo(zone or PROGRAMME.timezone)):%d/%m/%Y %H:%M}"


def day(value: date) -> str:
    return f"{value:%d/%m/%Y}"

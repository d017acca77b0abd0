"""The tier ladder: each tier's threshold, metric and earning multiplier.

Written by: staff in the admin (the ladder is programme data).
"""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Integer,
    Text,
    Varchar,
)
from piccolo.columns.readable import Readable
from piccolo.table import Table

from loyalty.schema.base import Keyed
from loyalty.schema.choices import TierMetric


class Tier(Keyed, Table):
    code = Varchar(length=32, unique=True)
    name_vi = Varchar(length=100)
    name_en = Varchar(length=100)
    rank = Integer(unique=True)
    # "points": points earned over the rolling 12 months; "spend": đồng spent.
    metric = Varchar(length=16, default="points", choices=TierMetric)
    threshold = BigInt(default=0)
    # Percent, so 150 means ×1.5: no floats near points.
    earn_multiplier_pct = Integer(default=100)
    benefits_vi = Text(default="")
    benefits_en = Text(default="")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.code])

"""Reports over the whole programme: the staff dashboard's figures.

Rules and invariants:

* Read-only: nothing here writes a row. Every figure is one set-wise statement over an indexed
  range (or a plain count), run through ``loyalty.db`` outside any transaction.
* A period is whole local days in the programme's zone (``PROGRAMME.timezone``), both ends
  included, at most two years, bucketed by day, week (Monday) or month; a bad one is
  :class:`BadPeriod` (400), never a statement.
* With a store chosen, the figures that belong to a store (the ledger's entries that store
  caused, its complaints) are narrowed to it; members, tiers, the liability, rewards and
  campaigns stay programme-wide.
* The liability is today's balances valued at ``PROGRAMME.point_cost_vnd`` (``POINT_COST_VND``).
* Integers only (đồng, points, per mille); formatting is the page's.

This package reads the tables of every capability, so it sits in the top layer beside set-up.

Modules:

* ``period``: the period a report covers, its buckets and its bounds in UTC.
* ``ledger``: points issued, redeemed, expired, adjusted, reversed, per bucket and store.
* ``members``: members, new and active, per tier, and the points they are owed.
* ``activity``: top rewards, live campaigns, the complaints desk.
* ``dashboard``: every figure of a period together, and each as a table (the CSV).
"""

from loyalty.reports.activity import ComplaintFigures, RewardCount
from loyalty.reports.dashboard import (
    FIGURES,
    Dashboard,
    StoreChoice,
    Table,
    UnknownFigure,
    dashboard,
    figure_table,
    store_choices,
)
from loyalty.reports.ledger import LedgerFigures, PointsFlow, StoreFlow
from loyalty.reports.members import MemberFigures, TierCount
from loyalty.reports.period import MAX_DAYS, BadPeriod, Grain, Period, last_days, local_today, this_month

__all__ = [
    "FIGURES",
    "MAX_DAYS",
    "BadPeriod",
    "ComplaintFigures",
    "Dashboard",
    "Grain",
    "LedgerFigures",
    "MemberFigures",
    "Period",
    "PointsFlow",
    "RewardCount",
    "StoreChoice",
    "StoreFlow",
    "Table",
    "TierCount",
    "UnknownFigure",
    "dashboard",
    "figure_table",
    "last_days",
    "local_today",
    "store_choices",
    "this_month",
]

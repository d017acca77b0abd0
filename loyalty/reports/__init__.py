"""Reports over the whole programme: the staff dashboard's figures.

Rules and invariants:

* Read-only but for the ledger's daily summary (``ledger_day``), which the worker's
  ``reports.refresh`` (every 10 minutes) writes for closed local days. Every figure is set-wise
  SQL over an indexed range or the summary, through ``loyalty.db``, outside any transaction;
  the points figures read closed days from the summary and the rest from the ledger, so they are
  exact whether or not the worker has run.
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
* ``summary``: the ledger's daily summary and the job that refreshes it.
* ``ledger``: points issued, redeemed, expired, adjusted, reversed, per bucket and store; the points owed.
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
from loyalty.reports.summary import refresh_summary, refreshed_through

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
    "refresh_summary",
    "refreshed_through",
    "store_choices",
    "this_month",
]

"""Membership tiers: where a member stands, upgrades the moment a member qualifies, the review.

Rules and invariants:

* Tiers are data ordered by ``rank``; a tier qualifies on a rolling 12 months of points earned
  on purchases or đồng spent (``Metric``), both net of refunds and read from ``Purchase``.
* A member moves up inside the transaction of the earn that qualifies it, and moves down only at
  the periodic review. Every move is a ``TierChange`` row and a domain event, guarded on the tier
  the member had, so two workers never move a member twice.

Modules:

* ``upgrades``: Where a member stands, and upgrades the moment a member qualifies.
* ``review``: The periodic tier review: the only place a member moves down a tier.
"""

from loyalty.tiers.review import review_job  # jobs
from loyalty.tiers.upgrades import (
    History,
    Metric,
    Qualifying,
    TierStanding,
    history,
    ladder,
    standing,
    upgrade_after_purchase,
)

__all__ = [
    "History",
    "Metric",
    "Qualifying",
    "TierStanding",
    "history",
    "ladder",
    "review_job",
    "standing",
    "upgrade_after_purchase",
]

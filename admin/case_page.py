"""A case as staff read it: every timeline line (internal notes too) and the customer's photos.

Piccolo Admin cannot show a photo stored as bytes, so the desk links here. The pages are
``templates/case.html`` and ``templates/case_list.html``; photos are served only to a staff
session, with their stored content type.
"""

from __future__ import annotations

from typing import Any

from admin.pages import at
from loyalty.complaints import CaseView, OpenCase

TEMPLATE = "case.html"
LIST_TEMPLATE = "case_list.html"


def case_context(view: CaseView, photo_ids: list[int], username: str) -> dict[str, Any]:
    case = view.case
    facts = [
        ("Status", case.status),
        ("Priority", case.priority),
        ("Category", view.category_code),
        ("Store", view.store_code or "—"),
        ("Channel", case.channel),
        ("First response due", at(case.first_response_due)),
        ("Resolution due", at(case.resolution_due)),
        ("Overdue", "yes" if case.overdue else "no"),
        ("Rating", str(case.rating_score) if case.rating_score else "—"),
    ]
    return {"case": case, "facts": facts, "photo_ids": photo_ids, "timeline": view.timeline, "username": username}


def case_list_context(cases: list[OpenCase], username: str) -> dict[str, Any]:
    return {"cases": cases, "username": username}

"""A case as staff read it: every timeline line (internal notes too) and the customer's photos.

Piccolo Admin cannot show a photo stored as bytes, so the desk links here. Everything shown is
escaped; photos are served only to a staff session, with their stored content type.
"""

from __future__ import annotations

from html import escape

from loyalty.complaints import CaseView, OpenCase

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}"
    "li{margin:.4rem 0}.internal{color:#8a5a00}.meta{color:#666;font-size:.9em}"
    "img{max-width:18rem;margin:.3rem;border:1px solid #ccc}"
)


def render_case(view: CaseView, photo_ids: list[int], username: str) -> str:
    case = view.case
    lines = "".join(
        f'<li class="{"visible" if line.visible else "internal"}"><span class="meta">'
        f"{escape(line.at.isoformat(timespec='minutes'))} · {escape(line.kind)} · "
        f"{escape(line.staff or line.author)}{'' if line.visible else ' · internal'}</span><br>"
        f"{escape(line.body)}</li>"
        for line in view.timeline
    )
    photos = "".join(
        f'<a href="/staff/complaints/photos/{pid}"><img alt="photo {pid}" src="/staff/complaints/photos/{pid}"></a>'
        for pid in photo_ids
    )
    facts = [
        ("Status", case.status),
        ("Priority", case.priority),
        ("Category", view.category_code),
        ("Store", view.store_code or "—"),
        ("Channel", case.channel),
        ("First response due", case.first_response_due.isoformat(timespec="minutes")),
        ("Resolution due", case.resolution_due.isoformat(timespec="minutes")),
        ("Overdue", "yes" if case.overdue else "no"),
        ("Rating", str(case.rating_score) if case.rating_score else "—"),
    ]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in facts)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(case.reference)}</title>"
        f"<style>{STYLE}</style></head><body><p class='meta'>Signed in as {escape(username)} · "
        f"<a href='/admin/'>Admin</a> · <a href='/staff/reports/complaints'>Report</a></p>"
        f"<h1>Case {escape(case.reference)}</h1><table>{rows}</table>"
        f"<h2>Description</h2><p>{escape(case.description)}</p>"
        f"<h2>Photos ({len(photo_ids)})</h2><div>{photos or '<p>None.</p>'}</div>"
        f"<h2>Timeline</h2><ol>{lines}</ol></body></html>"
    )


def render_case_list(cases: list[OpenCase], username: str) -> str:
    rows = "".join(
        f"<tr><td><a href='/staff/complaints/{escape(c.reference)}'>{escape(c.reference)}</a></td>"
        f"<td>{escape(c.status)}</td><td>{escape(c.priority)}</td><td>{escape(c.category or '')}</td>"
        f"<td>{escape(c.assignee or '—')}</td><td>{'yes' if c.overdue else ''}</td>"
        f"<td>{escape(c.resolution_due.isoformat(timespec='minutes'))}</td></tr>"
        for c in cases
    )
    head = "".join(f"<th>{h}</th>" for h in ("Case", "Status", "Priority", "Category", "Assignee", "Overdue", "Due"))
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Open cases</title>"
        f"<style>{STYLE}</style></head><body><p class='meta'>Signed in as {escape(username)} · "
        f"<a href='/admin/'>Admin</a></p><h1>Open cases ({len(cases)})</h1>"
        f"<table><tr>{head}</tr>{rows}</table></body></html>"
    )

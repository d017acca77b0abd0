"""The complaints report page: our own small HTML (Piccolo Admin 1.14 has no charts).

Served by the API at ``/staff/reports/complaints`` under the same staff login as the admin: the
admin's session cookie (``id``) is checked against piccolo_api's session table, and only an
active admin user sees the page. Everything shown is escaped.
"""

from __future__ import annotations

from datetime import date
from html import escape

from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from loyalty.complaints import Report

SESSION_COOKIE = "id"


async def staff_for_session(token: str | None) -> BaseUser | None:
    """The active admin user behind an admin session cookie, or None."""
    if not token or len(token) > 200:
        return None
    user_id = await SessionsBase.get_user_id(token)
    if not user_id:
        return None
    user = await BaseUser.objects().where(BaseUser.id == user_id).first()
    if user is None or not user.active or not user.admin:
        return None
    return user


def _minutes(value: int | None) -> str:
    if value is None:
        return "–"
    hours, minutes = divmod(value, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def _table(title: str, rows: list[str], weeks: list[date], counts: dict[tuple[date, str], int]) -> str:
    head = "".join(f"<th>{w:%d/%m}</th>" for w in weeks)
    body = []
    for name in rows:
        cells = "".join(f"<td>{counts.get((w, name), 0) or ''}</td>" for w in weeks)
        total = sum(counts.get((w, name), 0) for w in weeks)
        body.append(f"<tr><th scope='row'>{escape(name)}</th>{cells}<td class='total'>{total}</td></tr>")
    empty = f"<tr><td colspan='{len(weeks) + 2}'>No cases in these weeks.</td></tr>"
    return (
        f"<h2>{escape(title)}</h2><table><thead><tr><th>week of</th>{head}<th>total</th></tr></thead>"
        f"<tbody>{''.join(body) or empty}</tbody></table>"
    )


def render(report: Report, username: str) -> str:
    breach = "–" if report.breach_permille is None else f"{report.breach_permille / 10:.1f} %"
    satisfaction = (
        "–" if report.satisfaction_tenths is None else f"{report.satisfaction_tenths / 10:.1f} / 5 ({report.rated})"
    )
    recurring = (
        "".join(
            f"<tr><th scope='row'>{escape(r.category)}</th><td>{r.weeks}</td><td>{r.cases}</td>"
            f"<td>{r.repeat_customers}</td></tr>"
            for r in report.recurring
        )
        or "<tr><td colspan='4'>None.</td></tr>"
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Complaints report · Thân Thiết</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 2rem; }}
th, td {{ border: 1px solid #ccc; padding: .3rem .6rem; text-align: right; }}
th[scope=row] {{ text-align: left; }}
.cards {{ display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 2rem; }}
.card {{ border: 1px solid #ccc; border-radius: 6px; padding: .8rem 1.2rem; min-width: 11rem; }}
.card b {{ display: block; font-size: 1.5rem; }}
.total {{ font-weight: bold; }}
</style></head>
<body>
<p><a href="/admin/">← back to the admin</a> · signed in as {escape(username)}</p>
<h1>Complaints, last {len(report.weeks)} weeks</h1>
<div class="cards">
<div class="card">cases<b id="cases">{report.cases}</b>{report.open_cases} still open</div>
<div class="card">median first response<b id="first-response">{_minutes(report.median_first_response_minutes)}</b></div>
<div class="card">median resolution<b id="resolution">{_minutes(report.median_resolution_minutes)}</b></div>
<div class="card">SLA breach rate<b id="breach-rate">{breach}</b></div>
<div class="card">satisfaction<b id="satisfaction">{satisfaction}</b></div>
</div>
{_table("Cases by category and week", report.categories, report.weeks, report.by_category)}
{_table("Cases by store and week", report.stores, report.weeks, report.by_store)}
<h2>Categories that keep coming back</h2>
<table id="recurring"><thead><tr><th>category</th><th>weeks with cases</th><th>cases</th>
<th>customers complaining again</th></tr></thead><tbody>{recurring}</tbody></table>
</body></html>"""

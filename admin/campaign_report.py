"""The campaign results pages: our own small HTML (Piccolo Admin 1.14 has no charts).

Served by the API at ``/staff/campaigns`` (all campaigns), ``/staff/campaigns/{id}`` and
``/staff/campaigns.csv`` under the admin's staff login (see ``admin.complaint_report``).
Everything shown is escaped.
"""

from __future__ import annotations

from html import escape

from loyalty.campaigns import Results

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:.35rem .7rem;text-align:right}th{text-align:left;background:#f4f4f4}"
    "a{color:#0b5cad}"
)
ROWS = (
    ("audience", "Audience (members chosen)"),
    ("gifts_issued", "Gifts issued"),
    ("points_given", "Points given"),
    ("over_budget", "Not given: budget reached"),
    ("failed", "Not given: reward out of stock"),
    ("pushes_delivered", "Pushes delivered"),
    ("inbox_messages", "Inbox messages"),
    ("inbox_read", "Inbox messages read"),
    ("vouchers_given", "Vouchers given"),
    ("vouchers_redeemed", "Vouchers redeemed"),
    ("redemption_rate", "Redemption rate"),
    ("revenue", "Revenue of the receipts that used them (đ)"),
)


def _number(value: object) -> str:
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else escape(str(value))


def _page(title: str, body: str, username: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><p><a href='/admin/'>← Admin</a> · signed in as {escape(username)}</p>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )


def render_one(results: Results, username: str) -> str:
    rows = "".join(
        f"<tr><th scope='row'>{escape(label)}</th><td>{_number(getattr(results, key))}</td></tr>" for key, label in ROWS
    )
    body = (
        f"<p>Status: <strong>{escape(results.status)}</strong> · "
        f"<a href='/staff/campaigns.csv?campaign={results.campaign_id}'>CSV</a> · "
        f"<a href='/staff/campaigns'>all campaigns</a></p><table><tbody>{rows}</tbody></table>"
    )
    return _page(f"Campaign: {results.name}", body, username)


def render_all(items: list[Results], username: str) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for _, label in ROWS)
    rows = "".join(
        f"<tr><th><a href='/staff/campaigns/{r.campaign_id}'>{escape(r.name)}</a></th><td>{escape(r.status)}</td>"
        + "".join(f"<td>{_number(getattr(r, key))}</td>" for key, _ in ROWS)
        + "</tr>"
        for r in items
    )
    empty = f"<tr><td colspan='{len(ROWS) + 2}'>No campaigns yet.</td></tr>"
    body = (
        "<p><a href='/staff/campaigns.csv'>Export all as CSV</a></p>"
        f"<table><thead><tr><th>campaign</th><th>status</th>{head}</tr></thead><tbody>{rows or empty}</tbody></table>"
    )
    return _page("Campaign results", body, username)

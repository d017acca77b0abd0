"""Amounts, points and times in Piccolo Admin's grid and row pages, the Vietnamese way.

Piccolo Admin 1.14 shows a cell's raw value (``3500000``, ``2026-12-01T06:10:46.395785Z``) and
has no formatter hook. So each column's schema property carries a format hint
(``extra.display_format``: ``vnd``, ``points``, ``local_time`` or ``day``; ``admin.labels`` adds it
with the Vietnamese titles), and a small script of ours (``static/admin_formats.js``), put into
the admin's page by :func:`serve_formats`, rewrites the text of the grid's cells by those hints
(``3.500.000 ₫``, ``12.500``, ``01/12/2026 13:20`` in the programme's zone). On a row's page
the input keeps its raw value (what a save sends) and the script writes the formatted value
beside it. Why a hint per column and not a guess in the script: the server knows the columns'
types and meaning; the script only draws.

The same script names the tables in Vietnamese in the sidebar and the headings (Piccolo Admin
1.14 shows their database names there): the page carries the names of ``admin.labels_vi``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from piccolo.columns import BigInt, Date, Integer, Timestamptz
from piccolo.table import Table

from admin.rewritten_answers import ASGIApp, Receive, Scope, Send, rewriting
from loyalty.config import PROGRAMME

SCRIPT_URL = "/staff/static/admin_formats.js"
# Columns of đồng and of points by name (the same name means the same thing in every table).
VND = {"amount", "refunded_amount", "spend_90d", "spend_12m", "spend_total", "avg_basket", "revenue"}
POINTS = {
    "points",
    "points_balance",
    "delta",
    "balance_after",
    "shortfall",
    "points_cost",
    "points_earned",
    "points_reversed",
    "points_left",
    "points_paid",
    "gift_points",
    "max_points",
    "points_given",
    "bonus_points",
}


def hint(table: type[Table], column: str) -> str | None:
    """How the admin should show ``column`` of ``table``, or None to leave it as it is."""
    found = next((c for c in table._meta.columns if c._meta.name == column), None)
    if found is None or found._meta.choices is not None:
        return None
    if isinstance(found, Timestamptz):
        return "local_time"
    if isinstance(found, Date):
        return "day"
    if isinstance(found, (Integer, BigInt)) and not found._meta.primary_key:
        if column in VND or column.endswith("_vnd"):
            return "vnd"
        if column in POINTS:
            return "points"
    return None


def add_hints(table: type[Table], schema: dict[str, Any]) -> None:
    for column, prop in schema.get("properties", {}).items():
        extra = prop.get("extra") if isinstance(prop, dict) else None
        shown = hint(table, column)
        if shown is not None and isinstance(extra, dict):
            extra["display_format"] = shown
            if shown == "local_time":
                extra["display_zone"] = PROGRAMME.timezone


def page_additions(table_names: Mapping[str, str]) -> bytes:
    """What goes into the admin's page: the tables' Vietnamese names (JSON the script reads; a
    ``<`` written as ``\\u003c`` cannot close the element) and the script."""
    names = json.dumps(dict(table_names), ensure_ascii=False).replace("<", "\\u003c")
    return (
        f'<script id="tt-table-names" type="application/json">{names}</script>'
        f'<script src="{SCRIPT_URL}" defer></script></head>'
    ).encode()


def serve_formats(app: ASGIApp, table_names: Mapping[str, str]) -> ASGIApp:
    """The admin, its page carrying our formatting script (every other answer as it was)."""
    additions = page_additions(table_names)

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await app(scope, receive, send)
            return
        await app(scope, receive, rewriting(send, b"text/html", lambda body: body.replace(b"</head>", additions, 1)))

    return wrapped

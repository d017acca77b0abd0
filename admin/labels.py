"""Putting the Vietnamese names of ``admin.labels_vi`` on the admin staff see.

Menu groups, form names and form descriptions are plain attributes of the configs: they are set
when the admin is built (a form keeps the slug of its English name, so its address stays put).
Column and field labels are the ``title`` of each property in the JSON schema the pages draw
from. Piccolo builds those schemas from the columns (pydantic titles each field from its
name) and offers no hook to retitle them, so this thin ASGI wrapper rewrites the two schema
answers, ``/api/tables/{table}/schema/`` and ``/api/forms/{slug}/schema/``, on their way out.
A table's Vietnamese name goes there too, as its list page's tooltip (``extra.help_text``), and
so do the Vietnamese names of a column's choices (``extra.choices[…].display_name``, what its
select, its filter and its grid cells show; the value sent stays the code).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from piccolo.table import Table
from piccolo_admin.endpoints import FormConfig, TableConfig

from admin import cell_formats, choices_vi, labels_vi
from admin.rewritten_answers import ASGIApp, Receive, Scope, Send, rewriting

_SCHEMA = re.compile(r"/api/(?P<kind>tables|forms)/(?P<name>[^/]+)/schema/$")
# The tables served, by name: their columns' choices are named in Vietnamese in their schemas.
_TABLES: dict[str, type[Table]] = {}


def group(name: str | None) -> str | None:
    if name is None:
        return None
    if name not in labels_vi.MENU_GROUPS:
        raise ValueError(f"menu group {name!r} has no Vietnamese name in admin.labels_vi.MENU_GROUPS")
    return labels_vi.MENU_GROUPS[name]


def label_tables(configs: Sequence[TableConfig]) -> list[TableConfig]:
    for config in configs:
        config.menu_group = group(config.menu_group)
        _TABLES[config.table_class._meta.tablename] = config.table_class
    return list(configs)


def label_forms(forms: Sequence[FormConfig]) -> list[FormConfig]:
    for form in forms:
        labels = labels_vi.FORMS.get(form.slug)
        if labels is None:
            raise ValueError(f"form {form.slug!r} has no Vietnamese name in admin.labels_vi.FORMS")
        form.name, form.description = labels.name, labels.description
        form.form_group = group(form.form_group)
    return list(forms)


def table_schema(table: str, schema: dict[str, Any]) -> dict[str, Any]:
    for column, prop in schema.get("properties", {}).items():
        label = labels_vi.column_label(table, column)
        if label is not None and isinstance(prop, dict):
            prop["title"] = label
        if isinstance(prop, dict):
            _name_choices(table, column, prop)
    if table in _TABLES:
        cell_formats.add_hints(_TABLES[table], schema)
    labels = labels_vi.TABLES.get(table)
    extra = schema.get("extra")
    if labels is not None and isinstance(extra, dict) and not extra.get("help_text"):
        extra["help_text"] = labels.name
    return schema


def _name_choices(table: str, column: str, prop: dict[str, Any]) -> None:
    extra = prop.get("extra")
    choices = extra.get("choices") if isinstance(extra, dict) else None
    found = _TABLES.get(table)
    if found is None or not isinstance(choices, dict):
        return
    enum = next((c._meta.choices for c in found._meta.columns if c._meta.name == column), None)
    if enum is None:
        return
    for choice in choices.values():
        if isinstance(choice, dict) and "value" in choice:
            choice["display_name"] = choices_vi.name_of(enum, choice["value"])


def form_schema(slug: str, schema: dict[str, Any]) -> dict[str, Any]:
    labels = labels_vi.FORMS.get(slug)
    for name, prop in schema.get("properties", {}).items():
        label = labels.fields.get(name) if labels is not None else None
        if label is not None and isinstance(prop, dict):
            prop["title"] = label
    return schema


def serve_labels(app: ASGIApp) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        found = _SCHEMA.search(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        if found is None:
            await app(scope, receive, send)
            return
        relabel = table_schema if found["kind"] == "tables" else form_schema
        name = found["name"]
        await app(scope, receive, _rewriting_json(send, lambda schema: relabel(name, schema)))

    return wrapped


def _rewriting_json(send: Send, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Send:
    """A ``send`` that changes a 200 JSON answer's document (a body that is not one passes as it came)."""

    def changed(body: bytes) -> bytes:
        try:
            document = json.loads(body)
        except ValueError:
            return body
        return json.dumps(change(document), ensure_ascii=False).encode() if isinstance(document, dict) else body

    return rewriting(send, b"application/json", changed)

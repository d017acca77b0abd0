"""The staff pages' templates and stylesheet, and the Jinja environment that reads them.

Every page under /staff is a template in ``admin/templates/`` that extends ``base.html``: the
head linking the one stylesheet (``admin/static/staff.css``), the way back to the admin and the
signed-in line. Autoescaping is on for every template, so any value a page shows (member names,
case text, campaign names, error details) is escaped; no template marks a value safe. A name a
template uses but its page does not give is an error, not an empty string, so a mistake fails
the tests instead of leaving a blank on a page.

The API serves both (``api.staff_pages``); this module knows nothing of routes.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
STYLESHEET = "staff.css"


def at(moment: datetime) -> str:
    """A time as the desk reads it: to the minute, with its offset."""
    return moment.isoformat(timespec="minutes")


def number(value: object) -> str:
    """A count the Vietnamese way (1.234.567); anything else as it is."""
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


def environment(stylesheet_url: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        # Block tags on lines of their own leave no blank lines or indentation in the page.
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["at"] = at
    env.filters["number"] = number
    env.globals["stylesheet"] = stylesheet_url
    return env

"""How the API answers with a staff page: Litestar's Jinja engine over ``admin/templates`` and the
one stylesheet served from ``/staff/static``.

The template engine belongs to the app, so an exception handler can render the error page even
for a request that matched no route (a 404 or 405 under /staff). The stylesheet is served to
anyone: an error page is seen signed out too, and the file holds nothing but styles.
"""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.enums import MediaType
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from admin.error_page import TEMPLATE as ERROR_TEMPLATE
from admin.error_page import error_context
from admin.pages import STATIC_DIR, STYLESHEET, environment

STATIC_PATH = "/staff/static"
NO_STORE = {"Cache-Control": "no-store"}
# A changed stylesheet reaches every browser within the hour after a release.
STATIC_CACHE = CacheControlHeader(max_age=3600)

TEMPLATES = TemplateConfig(
    instance=JinjaTemplateEngine.from_environment(environment(stylesheet_url=f"{STATIC_PATH}/{STYLESHEET}"))
)


def static_files() -> Router:
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        name="staff_static",
        cache_control=STATIC_CACHE,
        include_in_schema=False,
    )


def page(
    template: str, context: dict[str, Any], *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Template:
    """A staff page: HTML that no cache keeps (it shows one staff member's view of live data)."""
    return Template(
        template,
        context=context,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={**(headers or {}), **NO_STORE},
    )


def error_page(status: int, detail: str, *, headers: dict[str, str] | None = None) -> Template:
    return page(ERROR_TEMPLATE, error_context(status, detail), status_code=status, headers=headers)

"""Composition root: ``create_app()`` wires settings, routes, errors, admin and lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import cast

from litestar import Litestar, Router, asgi
from litestar.datastructures import State
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.types import Message, Receive, Scope, Send

from admin.site import ADMIN_APP
from api.admin_login import is_login, limited_login
from api.auth import MEMBER_DEPENDENCIES, TERMINAL_DEPENDENCIES, init_firebase, member_guard, terminal_guard
from api.controllers.callbacks import delivery_callback, sms_inbound_callback
from api.controllers.campaign_form import CAMPAIGN_FORM_ROUTES
from api.controllers.campaign_report import CAMPAIGN_REPORT_ROUTES
from api.controllers.card import CardController
from api.controllers.channel_report import CHANNEL_REPORT_ROUTES
from api.controllers.complaint_report import (
    complaint_case_action,
    complaint_case_list,
    complaint_case_page,
    complaint_photo,
    complaint_report_page,
)
from api.controllers.complaints import ComplaintsController, complaint_categories
from api.controllers.dashboard import DASHBOARD_ROUTES
from api.controllers.earning import EarningController
from api.controllers.health import health, health_live, health_ready
from api.controllers.ledger_key import ledger_public_key
from api.controllers.me import MeController
from api.controllers.members_page import MEMBER_PAGE_ROUTES
from api.controllers.metrics import metrics
from api.controllers.notifications import NotificationsController
from api.controllers.opt_out import OptOutController
from api.controllers.pos import TerminalController
from api.controllers.pos_phone import PosPhoneController
from api.controllers.pos_vouchers import PosVoucherController
from api.controllers.rewards import RewardsController, media_files
from api.controllers.segment_pages import SEGMENT_PAGE_ROUTES
from api.controllers.vip_upload import VIP_UPLOAD_ROUTES
from api.edge import StrictRequest, edge_guard
from api.errors import EXCEPTION_HANDLERS, alert_staff
from api.metrics import request_metrics
from api.observability import configure_logging, request_id_middleware
from api.rate_limit import RateLimits, rate_limit_headers
from api.settings import Settings, UnsafeSettings
from api.staff import staff_guard
from api.staff_login import staff_login
from api.staff_pages import TEMPLATES, static_files
from loyalty.db import close_pool, open_pool
from loyalty.settings import DATABASE
from loyalty.setup import demo_staff_login_works
from notifications.channels import senders_from_settings
from notifications.config import NotifySettings
from notifications.embedded import worker_lifespan

log = logging.getLogger("api")

# Extra lifespan parts other packages add (the embedded worker, for one).
LifespanPart = Callable[[Litestar], AbstractAsyncContextManager[None]]


@asgi("/admin", is_mount=True, copy_scope=True, include_in_schema=False)
async def admin_site(scope: Scope, receive: Receive, send: Send) -> None:
    if scope.get("raw_path", b"").rstrip(b"?") == b"/admin" or scope["path"] == "/admin":
        # Without the trailing slash the admin's relative asset paths 404.
        await send(
            cast(Message, {"type": "http.response.start", "status": 308, "headers": [(b"location", b"/admin/")]})
        )
        await send(cast(Message, {"type": "http.response.body", "body": b""}))
        return
    if is_login(scope):
        await limited_login(ADMIN_APP, scope, receive, send)
        return
    await ADMIN_APP(scope, receive, send)


def create_app(settings: Settings | None = None, lifespan_parts: list[LifespanPart] | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    configure_logging()
    parts = list(lifespan_parts or [])
    if settings.embedded_worker:
        parts.append(worker_lifespan)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await open_pool(DATABASE.pool("api"))
        if settings.production and await demo_staff_login_works():
            raise UnsafeSettings("the demo staff account still has its published password: change or remove it")
        init_firebase(settings)
        # Zalo, SMS and e-mail for what a till's request sends at once (a one-time code).
        app.state.channels = senders_from_settings(NotifySettings.from_env())
        try:
            async with _nested(parts, app):
                yield
        finally:
            # Read back from the state: Litestar's State keeps a deep copy of what it is given.
            await app.state.rate_limits.close()
            for sender in app.state.channels.values():
                await sender.aclose()
            await close_pool()

    member_router = Router(
        path="/api/v1",
        route_handlers=[
            RewardsController,
            MeController,
            CardController,
            ComplaintsController,
            complaint_categories,
            NotificationsController,
        ],
        guards=[member_guard],
        dependencies=MEMBER_DEPENDENCIES,
        middleware=[rate_limit_headers],
    )
    till_router = Router(
        path="/api/v1",
        route_handlers=[PosVoucherController, PosPhoneController, TerminalController, EarningController],
        guards=[terminal_guard],
        dependencies=TERMINAL_DEPENDENCIES,
        middleware=[rate_limit_headers],
    )
    # Staff pages keep their /staff/… paths; the guard sends anyone without a staff session to the login.
    staff_pages = Router(
        path="/",
        route_handlers=[
            *DASHBOARD_ROUTES,
            complaint_report_page,
            complaint_case_list,
            complaint_case_page,
            complaint_case_action,
            complaint_photo,
            *CAMPAIGN_REPORT_ROUTES,
            *CHANNEL_REPORT_ROUTES,
            *VIP_UPLOAD_ROUTES,
            *SEGMENT_PAGE_ROUTES,
            *CAMPAIGN_FORM_ROUTES,
            *MEMBER_PAGE_ROUTES,
        ],
        guards=[staff_guard],
        include_in_schema=False,
    )
    application = Litestar(
        route_handlers=[
            health,
            health_live,
            health_ready,
            metrics,
            delivery_callback,
            sms_inbound_callback,
            media_files,
            ledger_public_key,
            member_router,
            till_router,
            admin_site,
            staff_login,
            staff_pages,
            static_files(),
            OptOutController,
        ],
        template_config=TEMPLATES,
        exception_handlers=EXCEPTION_HANDLERS,
        after_exception=[alert_staff],
        request_class=StrictRequest,
        guards=[edge_guard],
        middleware=[request_metrics],
        lifespan=[lifespan],
        state=State({"settings": settings, "rate_limits": RateLimits(settings)}),
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Thân Thiết API",
            version="1.0.0",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(path="/swagger"), ScalarRenderPlugin(path="/scalar")],
        ),
        debug=False,
        logging_config=None,  # configure_logging() above: JSON lines with the request id
    )
    # Outside the router, unlike route middleware: an answer to a path no route has (404) or a
    # method it lacks (405) carries a request id and is logged too.
    application.asgi_handler = request_id_middleware(application.asgi_handler)
    return application


@asynccontextmanager
async def _nested(parts: list[LifespanPart], app: Litestar) -> AsyncIterator[None]:
    if not parts:
        yield
        return
    async with parts[0](app), _nested(parts[1:], app):
        yield


app = create_app()

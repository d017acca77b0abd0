"""Piccolo configuration: the engine from DATABASE_URL and the app registry, nothing else."""

import os

from piccolo.conf.apps import AppRegistry

from loyalty.db import DEFAULT_DATABASE_URL, engine_from_url

DB = engine_from_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)

APP_REGISTRY = AppRegistry(
    apps=[
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
        "piccolo_admin.piccolo_app",
        "loyalty.piccolo_app",
        "notifications.piccolo_app",
    ]
)

"""Piccolo configuration: the engine from DATABASE_URL and the app registry, nothing else."""

from piccolo.conf.apps import AppRegistry

from loyalty.db import engine_from_url
from loyalty.settings import DATABASE, SERVICE

DB = engine_from_url(SERVICE.database_url, transaction_pooler=DATABASE.transaction_pooler)

APP_REGISTRY = AppRegistry(
    apps=[
        "piccolo.apps.user.piccolo_app",
        "piccolo_api.session_auth.piccolo_app",
        "piccolo_admin.piccolo_app",
        "loyalty.piccolo_app",
        "notifications.piccolo_app",
    ]
)

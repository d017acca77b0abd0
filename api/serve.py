"""``python -m api.serve`` (``make serve``): the API for production, in ``API_PROCESSES`` uvicorn
processes on one port, without the embedded worker (run ``python -m notifications.worker`` beside
it, as many as you like).

Why these choices:

* uvicorn's supervisor starts the processes, restarts one that dies (a ``kill -9``, an out of
  memory), and on SIGHUP replaces them one by one. Each process has its own database pool
  (``DB_POOL_MAX``) and its own counters unless ``REDIS_URL`` is set; nothing else lives in a
  process (docs/operations.md, "Running in production").
* SIGTERM (or SIGINT) stops accepting connections; requests in flight may still finish for
  ``GRACEFUL_SHUTDOWN_SECONDS``, then each process closes its pool and exits.
* The settings are checked here, before any process starts, so a refusal is one clear line and
  exit code 2, not N tracebacks.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import uvicorn

from api.settings import Settings, UnsafeSettings
from loyalty.settings import SERVICE


def main() -> None:
    try:
        settings = Settings.from_env()
    except UnsafeSettings as exc:
        _refuse(str(exc))
    if settings.embedded_worker:
        _refuse(
            "EMBEDDED_WORKER is on: the production API runs no worker inside it; "
            "set EMBEDDED_WORKER=false and run python -m notifications.worker beside it"
        )
    uvicorn.run(
        "api.app:app",
        host=SERVICE.host,
        port=SERVICE.port,
        workers=settings.api_processes,
        timeout_graceful_shutdown=settings.graceful_shutdown_s,
        proxy_headers=True,  # from FORWARDED_ALLOW_IPS only (uvicorn's default: 127.0.0.1)
        access_log=False,  # the app writes its own JSON access line (api.observability)
        loop="uvloop",
        http="httptools",
        log_level=SERVICE.log_level.lower(),
    )


def _refuse(reason: str) -> NoReturn:
    print(f"error: {reason}", file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()

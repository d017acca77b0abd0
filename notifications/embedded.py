"""The worker inside the API process (``EMBEDDED_WORKER=true``, the development default).

``worker_lifespan`` is a lifespan part for ``api.app.create_app``: it starts the worker loop as a
task when the app starts and stops it (after the batch in hand) when the app shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from notifications import worker

log = logging.getLogger("notifications.embedded")


@contextlib.asynccontextmanager
async def worker_lifespan(_: Any) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name="embedded-worker")
    log.info("embedded worker started")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=30)
        except TimeoutError:
            task.cancel()
            log.warning("embedded worker did not stop within 30 s; cancelled")

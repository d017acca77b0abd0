"""The log format of every process (the API and the worker): one JSON object a line, carrying
the id of the request being served (``-`` outside a request, as in the worker).

The API sets :data:`request_id_var` per request (``api.observability``); nothing here knows
about HTTP.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

import msgspec

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        # msgspec: a few times cheaper than json.dumps, and this runs for every request.
        return msgspec.json.encode(entry, enc_hook=str).decode()


def configure_logging(level: int | str = logging.INFO) -> None:
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)

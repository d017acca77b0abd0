"""The edge: what every request passes before a handler sees it (DESIGN.md §10, CONTRACT.md).

* A JSON body is decoded strictly against the type its handler declares, in one place
  (:class:`StrictRequest`): an integer must be a JSON integer (``"250000"``, ``250000.0`` and
  ``1e5`` are refused, where Litestar's own conversion would coerce them), the text must be
  UTF-8, nesting is bounded, and no string anywhere in it may hold a NUL (PostgreSQL cannot
  store one and SQLite silently would). Single-line fields also refuse the other C0 controls
  through :data:`SINGLE_LINE`.
* Path and query parameters go through one guard (:func:`edge_guard`): an integer path
  parameter is a row id and must fit the id column of the table it names (:data:`PATH_IDS`,
  widths from ``loyalty.ids``), and no parameter may hold a control character. Such a path
  names nothing, so it answers 404; such a query 422.

Every route, present or future, gets these for free.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import PurePath
from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Empty

from api.errors import ApiProblem
from loyalty.ids import ID_MIN, id_max, is_row_id

# A string with no C0 control character and no DEL: names, codes, numbers, tokens.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNTYPED = msgspec.json.Decoder()
_AT = re.compile(r" - at `\$\.?(.*)`$")
# Each integer path parameter and the table whose ids it holds; a test checks every route's are
# here. One missing is held to 32 bits, the narrower width.
PATH_IDS = {
    "campaign_id": "campaign",
    "member_id": "member",
    "message_id": "inbox_message",
    "photo_id": "complaint_photo",
}


class StrictRequest(Request[Any, Any, Any]):
    """Litestar's request, with the JSON body checked strictly before Litestar converts it."""

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:
            body = await self.body()
            value = decode_body(body or b"null", _body_type(self.route_handler))
            self._json = self._connection_state.json = value
        return await super().json()


def decode_body(body: bytes, target: Any) -> Any:
    """The untyped JSON value of ``body`` once it is valid for ``target``, or a 4xx problem."""
    decoder = _decoder(target) if target is not None else None
    try:
        if decoder is not None:
            decoder.decode(body)
        value = _UNTYPED.decode(body)
    except msgspec.ValidationError as exc:
        raise ValidationException("the body does not match the expected shape", extra=[_error(exc)]) from exc
    except msgspec.DecodeError as exc:
        raise ApiProblem(400, "malformed_body", f"the body is not valid JSON: {exc}") from exc
    except UnicodeDecodeError as exc:
        detail = f"the body is not valid UTF-8: {exc.reason} at byte {exc.start}"
        raise ApiProblem(400, "malformed_body", detail) from exc
    except RecursionError as exc:
        raise ApiProblem(400, "malformed_body", "the body is nested too deeply") from exc
    where = _nul_at(value)
    if where is not None:
        raise ValidationException(
            "the body holds a NUL character",
            extra=[{"key": where, "message": "must not contain NUL (\\u0000) characters", "source": "body"}],
        )
    return value


@cache
def _decoder(target: Any) -> msgspec.json.Decoder[Any] | None:
    try:
        return msgspec.json.Decoder(target, strict=True)
    except TypeError:  # a type msgspec cannot decode JSON into: Litestar's own conversion decides
        return None


def _body_type(handler: Any) -> Any:
    signature = getattr(handler, "parsed_fn_signature", None)
    field = signature.parameters.get("data") if signature is not None else None
    return field.annotation if field is not None else None


def _error(exc: msgspec.ValidationError) -> dict[str, str]:
    text = str(exc)
    found = _AT.search(text)
    message = text[: found.start()] if found else text
    error = {"message": message.replace("`", "'"), "source": "body"}
    if found and found.group(1):
        error["key"] = found.group(1)
    return error


def _nul_at(value: Any) -> str | None:
    """Where the first string holding a NUL sits (keys too), walked without recursion."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path or "body"
        elif isinstance(item, dict):
            for key, inner in item.items():
                if "\x00" in key:
                    return f"{path}.{key!r}".lstrip(".")
                stack.append((f"{path}.{key}".lstrip("."), inner))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", inner) for i, inner in enumerate(item))
    return None


async def edge_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    for name, value in connection.path_params.items():
        if isinstance(value, bool):
            continue
        table = PATH_IDS.get(name, "")
        if isinstance(value, int) and not is_row_id(value, table):
            raise ApiProblem(404, "not_found", f"no such {name}: ids run from {ID_MIN} to {id_max(table)}")
        if isinstance(value, (str, PurePath)) and CONTROL.search(str(value)):
            raise ApiProblem(404, "not_found", f"no such {name}: it holds a control character")
    for name, text in connection.query_params.multi_items():
        if CONTROL.search(name) or CONTROL.search(text):
            raise ApiProblem(422, "validation_error", f"query parameter {name!r} holds a control character")

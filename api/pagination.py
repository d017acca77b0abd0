"""Lists: ``?limit=`` 1–100 (default 20) and an opaque ``?cursor=`` (CONTRACT.md "Conventions").

A cursor is the last id of the previous page, tagged with the list it belongs to, so a cursor
from one list is refused by another (422) instead of paging something unrelated. Its id must fit
the id column (``loyalty.ids``): a forged huge one is a 422, not a driver overflow.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from litestar.params import Parameter

from api.errors import ApiProblem
from loyalty.ids import is_row_id

Limit = Annotated[int, Parameter(ge=1, le=100, description="page size, 1-100")]
Cursor = Annotated[str | None, Parameter(max_length=64, description="next_cursor of the previous page")]

# Each list's tag and the table whose ids its cursor holds (a new list adds its line here).
CURSOR_TABLES = {
    "kn": "complaint",
    "le": "ledger_entry",
    "n": "inbox_message",
    "rw": "reward",
    "v1": "voucher",
}


def encode_cursor(kind: str, last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    """The id a page continues from, None for the first page, or a 422 problem.

    A list not in :data:`CURSOR_TABLES` is a KeyError on its first page already."""
    table = CURSOR_TABLES[kind]
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, raw = text.partition(":")
        if prefix != kind or not raw.isascii() or not raw.isdigit() or not is_row_id(int(raw), table):
            raise ValueError(text)
        return int(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiProblem(422, "validation_error", "cursor is not one this list gave out") from exc

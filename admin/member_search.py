"""The member list's phone filter, read the way a clerk types a number.

Phones are stored in E.164 (``+84907654321``); staff type ``0907654321``, ``0907 654 321`` or
``84907654321``. piccolo_api filters with the raw text (a contains-match), and its validators
cannot change the filter, so this thin ASGI wrapper rewrites the ``phone`` parameter of the
member listing and its count (``loyalty.members.phone_search_term``) before the admin sees it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from loyalty.members import phone_search_term

# The listing, its row count, and the id search the foreign-key pickers use (a member's readable
# name is its phone).
_MEMBER_QUERIES = re.compile(r"/api/tables/member/(count/|ids/)?$")
_PHONE_PARAMS = {"phone", "search"}


def _rewritten(query_string: bytes) -> bytes:
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    changed = [(k, phone_search_term(v) if k in _PHONE_PARAMS and v else v) for k, v in pairs]
    return urlencode(changed).encode("latin-1")


def normalise_phone_filter(app: Any) -> Any:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("query_string") and _MEMBER_QUERIES.search(scope["path"]):
            scope = {**scope, "query_string": _rewritten(scope["query_string"])}
        await app(scope, receive, send)

    return wrapped

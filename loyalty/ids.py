"""Row ids as the database holds them: the one bound an id from outside is checked against.

Piccolo's ``Serial`` primary keys are PostgreSQL ``integer`` (32-bit signed) today; SQLite would
store 64 bits, but an id PostgreSQL cannot hold names nothing on either engine. A later move of
some tables to ``bigint`` changes this bound, and every path, cursor and body id follows it.
"""

from __future__ import annotations

ID_MIN = 1
ID_MAX = 2**31 - 1


def is_row_id(value: int) -> bool:
    return ID_MIN <= value <= ID_MAX

"""Numbered parameters for SQL built from pieces (segment filters, audiences, fan-out batches).

A statement composed of fragments written in different places (the filter compiler, the
campaign's audience, a batch's own conditions) needs each value's ``$n`` to be its position in
the one argument list the statement runs with. :class:`Params` hands the numbers out in the
order values are added, so a fragment never counts placeholders itself and the text stays the
same from call to call (the runner caches each distinct statement).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class Params:
    """The values of one statement so far; :meth:`add` appends one and returns its ``$n``."""

    __slots__ = ("values",)

    def __init__(self, values: Iterable[Any] = ()) -> None:
        self.values: list[Any] = list(values)

    def add(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"

    def copy(self) -> Params:
        """The same values, to go on from in another statement (a batch after its audience)."""
        return Params(self.values)

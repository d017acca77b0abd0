"""/api/v1/pos: what a till may do, always for its own store."""

from __future__ import annotations

from litestar import Controller, get

from api.auth import CallingTill
from api.schemas import TerminalOut
from loyalty.schema import Store


class TerminalController(Controller):
    path = "/pos"
    tags = ["till"]

    @get("/terminal", summary="Which till and store this key belongs to")
    async def whoami(self, terminal: CallingTill) -> TerminalOut:
        store = terminal.store
        assert isinstance(store, Store)
        return TerminalOut(terminal.id, terminal.name, store.code, store.name)

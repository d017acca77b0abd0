"""Stores and their tills.

Rules: a till's key is random (256 bits), shown once, and stored only as its SHA-256; a
revoked till's key never works again (a revocation is never undone, a till never deleted, so
:func:`revocation_mark` changes with every one). A till acts for its own store only. Staff creating a store
or a till, or revoking one, are audit-logged inside the function.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from loyalty import audit, db
from loyalty.db import write_transaction
from loyalty.errors import Conflict, InvalidInput, NotFound
from loyalty.schema import Store, Terminal

STORE_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
KEY_PREFIX = "tt_"


@dataclass(frozen=True, slots=True)
class TerminalCredentials:
    terminal_id: int
    store_code: str
    key: str  # shown once


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_store(
    code: str,
    name: str,
    *,
    city: str = "",
    timezone: str = "Asia/Ho_Chi_Minh",
    actor: audit.StaffActor | None = None,
) -> Store:
    """A new store; staff (``actor``) creating it are audit-logged in the same transaction."""
    if not STORE_CODE_RE.match(code):
        raise InvalidInput("store code must be 1-16 letters, digits, '-' or '_'", field="code")
    if not name.strip():
        raise InvalidInput("store name must not be empty", field="name")
    async with write_transaction():
        if await Store.exists().where(Store.code == code):
            raise Conflict(f"store {code} exists already", code_taken=code)
        store = Store(code=code, name=name.strip(), city=city, timezone=timezone)
        await store.save()
        if actor:
            await audit.record(actor, "store.create", "store", store.id, code=store.code)
        return store


def new_key() -> str:
    """A till key: 256 random bits, URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


async def create_terminal(store_code: str, name: str, *, actor: audit.StaffActor | None = None) -> TerminalCredentials:
    store = await Store.objects().where(Store.code == store_code).first()
    if store is None:
        raise NotFound(f"no store with code {store_code}")
    key = new_key()
    async with write_transaction():
        terminal = Terminal(store=store.id, name=name.strip() or "Till", key_hash=hash_key(key), key_prefix=key[:10])
        await terminal.save()
        if actor:
            await audit.record(actor, "terminal.create", "terminal", terminal.id, store=store.code)
    return TerminalCredentials(terminal_id=terminal.id, store_code=store.code, key=key)


async def revoke_terminal(terminal_id: int, *, actor: audit.StaffActor | None = None, reason: str = "") -> bool:
    """Revoke a till's key; False when it was revoked already. An unknown till is NotFound."""
    async with write_transaction():
        revoked = (
            await Terminal.update({Terminal.revoked_at: datetime.now(UTC)})
            .where((Terminal.id == terminal_id) & Terminal.revoked_at.is_null())
            .returning(Terminal.id)
        )
        if not revoked:
            if not await Terminal.exists().where(Terminal.id == terminal_id):
                raise NotFound(f"no till {terminal_id}")
            return False
        if actor:
            await audit.record(actor, "terminal.revoke", "terminal", terminal_id, reason=reason)
        return True


async def terminal_for_key(key: str) -> Terminal | None:
    """The live till behind a key, or None for an unknown or revoked key."""
    if not key.startswith(KEY_PREFIX) or len(key) > 128:
        return None
    return (
        await Terminal.objects(Terminal.store)
        .where((Terminal.key_hash == hash_key(key)) & Terminal.revoked_at.is_null())
        .first()
    )


async def revocation_mark() -> tuple[int, str]:
    """How many tills are revoked and the latest revocation: any revocation, from any process,
    changes it. Processes that remember live keys read it to forget them (``api.auth``)."""
    row = await db.fetchrow(
        "SELECT COUNT(*) AS n, MAX(revoked_at) AS latest FROM terminal WHERE revoked_at IS NOT NULL"
    )
    return (int(row["n"]), str(row["latest"])) if row else (0, "None")

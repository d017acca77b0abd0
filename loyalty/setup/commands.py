"""Staff commands: ``piccolo loyalty <command>`` (see docs/operations.md)."""

from __future__ import annotations

import sys
from typing import Any

from loyalty import audit, members
from loyalty.backup import backup
from loyalty.errors import DomainError
from loyalty.members import normalise_phone
from loyalty.points import check_ledger, ledger_checkpoint, ledger_public_key
from loyalty.settings import APP_ENV, SERVICE, AppEnv
from loyalty.setup import demo, dev_tokens

# Stores and tills made (or tills revoked) from the shell are audit-logged like the admin's, by this name.
COMMAND_LINE = audit.StaffActor(None, "command line")


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


async def create_store(code: str, name: str, city: str = "", timezone: str = "Asia/Ho_Chi_Minh") -> None:
    """Create a store.

    :param code: short code, e.g. Q1
    :param name: the store's name
    :param city: the city it is in
    :param timezone: IANA zone of the store
    """
    try:
        store = await members.create_store(code, name, city=city, timezone=timezone, actor=COMMAND_LINE)
    except DomainError as exc:
        _fail(exc.detail)
    else:
        print(f"store {store.code} created: {store.name}")


async def create_terminal(store: str, name: str = "Till") -> None:
    """Create a till for a store and print its key, once, alone on the last line.

    :param store: the store's code
    :param name: a name staff recognise
    """
    try:
        created = await members.create_terminal(store, name, actor=COMMAND_LINE)
    except DomainError as exc:
        _fail(exc.detail)
    else:
        print(f"till {created.terminal_id} created for store {created.store_code}; its key (shown only now):")
        print(created.key)


async def revoke_terminal(terminal_id: int) -> None:
    """Revoke a till: its key stops working at once.

    :param terminal_id: the till's id
    """
    try:
        revoked = await members.revoke_terminal(terminal_id, actor=COMMAND_LINE, reason="revoke_terminal command")
    except DomainError as exc:
        _fail(exc.detail)
    else:
        print(f"till {terminal_id} revoked" if revoked else f"till {terminal_id} was revoked already")


async def seed_demo() -> None:
    """Seed the demo programme (safe to run twice) and print how to sign in."""
    if APP_ENV is AppEnv.PRODUCTION:
        _fail("seed_demo is for development only")
    creds = await demo.seed_demo()
    print("Demo programme ready.")
    site = f"http://{SERVICE.host}:{SERVICE.port}"
    print(f"  staff:    {site}/admin/  user {creds.staff_user!r}, password {creds.staff_password!r}")
    print(f"  roles:    {', '.join(demo.DEMO_ROLE_USERS)} (same password; README, staff roles)")
    print(f"  store:    {creds.store_code}")
    print(f"  till key: {creds.till_key}")
    print("  member:   piccolo loyalty dev_token --phone +84901234567")


def dev_token(phone: str = "+84901234567", project: str = "", lifetime: int = 3600) -> None:
    """Print a Firebase Auth emulator ID token for a phone number (development only).

    :param phone: the member's phone number
    :param project: the Firebase project id (default FIREBASE_PROJECT_ID or demo-thanthiet)
    :param lifetime: seconds the token stays valid
    """
    try:
        e164 = normalise_phone(phone)
        token = dev_tokens.mint(
            project or SERVICE.firebase_project_id or "demo-thanthiet", phone=e164, lifetime_s=lifetime
        )
    except (DomainError, dev_tokens.DevTokensRefused) as exc:
        _fail(str(exc))
    else:
        print(token)


COMMANDS: list[Any] = [
    create_store,
    create_terminal,
    revoke_terminal,
    seed_demo,
    dev_token,
    check_ledger,
    ledger_checkpoint,
    ledger_public_key,
    backup,
]

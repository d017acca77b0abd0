"""Verify a member's signed statement with the ledger's public key alone, without the database.

    python -m loyalty.points.verify_statement statement.json --public-key ledger-public-key.pem

Exit 0 and a summary when the key signed exactly this statement and its figures add up
(each balance_after is the previous one plus the delta, the last is the balance); exit 1 with
the reason otherwise. Needs the standard library and ``cryptography`` only (with
:mod:`loyalty.points.seal`, which says what the signed bytes are).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from loyalty.points.seal import BadSeal, load_public_key, verify


def check_statement(document: dict[str, Any], public_pem: bytes) -> str:
    """A one-line summary of a statement that verifies; :class:`BadSeal` otherwise."""
    verify(document, load_public_key(public_pem))
    statement = document.get("statement")
    if not isinstance(statement, dict):
        raise BadSeal("the document holds no statement")
    entries = statement.get("entries", [])
    balance = 0
    for entry in entries:
        balance += entry["delta"]
        if entry["balance_after"] != balance:
            raise BadSeal(f"entry {entry['id']}: balance_after {entry['balance_after']} ≠ running balance {balance}")
    if balance != statement.get("points_balance") or len(entries) != statement.get("entry_count"):
        raise BadSeal("the entries do not add up to the statement's balance")
    return (
        f"statement of member {statement.get('member')} issued {statement.get('issued_at')}: "
        f"{len(entries)} entries, balance {balance}, signed by key {document['signature']['key_id']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a signed points statement.")
    parser.add_argument("statement", type=Path, help="the statement JSON the member downloaded")
    parser.add_argument("--public-key", type=Path, required=True, help="the ledger's public key (PEM)")
    args = parser.parse_args(argv)
    try:
        document = json.loads(args.statement.read_text(encoding="utf-8"))
        summary = check_statement(document, args.public_key.read_bytes())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"NOT VERIFIED: {exc}", file=sys.stderr)
        return 1
    print(f"verified: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Verify a member's signed statement with the ledger's public key alone, without the database.

    python -m loyalty.points.verify_statement statement.json --public-key ledger-public-key.pem

    python verify_statement.py statement.json --public-key ledger-public-key.pem   # this file alone

Exit 0 and a summary when the key signed exactly this statement and its figures add up
(each balance_after is the previous one plus the delta, the last is the balance); exit 1 with
the reason otherwise.

This file stands alone: it imports the standard library and ``cryptography`` only, so a member
or an auditor can take it without the rest of the programme (``pip install cryptography``). It is
also where the signed bytes are defined (:func:`canonical`), which :mod:`loyalty.points.seal`
signs with: the document without ``signature``, JSON with sorted keys, no spaces, UTF-8 as it
is, whole numbers only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"
SIGNATURE = "signature"


class BadSeal(ValueError):
    """A document whose seal does not verify: altered, signed by another key, or not sealed."""


def canonical(document: Any) -> bytes:
    """The signed bytes of a document (its ``signature`` member left out)."""
    if isinstance(document, dict):
        document = {k: v for k, v in document.items() if k != SIGNATURE}
    _refuse_floats(document)
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _refuse_floats(value: Any) -> None:
    if isinstance(value, float):
        raise ValueError("a sealed document holds whole numbers only")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_floats(item)


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """A public key from PEM (or from a private key's PEM, whose public half it takes)."""
    if b"PRIVATE KEY" in pem:
        return load_private_key(pem).public_key()
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise BadSeal("the public key is not an Ed25519 key")
    return key


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise BadSeal("the signing key is not an Ed25519 key")
    return key


def verify(document: dict[str, Any], public_key: Ed25519PublicKey) -> None:
    """Raise :class:`BadSeal` unless ``public_key`` signed exactly this document."""
    seal = document.get(SIGNATURE)
    if not isinstance(seal, dict) or seal.get("algorithm") != ALGORITHM:
        raise BadSeal("the document carries no Ed25519 signature")
    if seal.get("key_id") != key_id(public_key):
        raise BadSeal(f"signed by key {seal.get('key_id')!r}, not by key {key_id(public_key)!r}")
    try:
        public_key.verify(base64.b64decode(str(seal.get("value", "")), validate=True), canonical(document))
    except (InvalidSignature, ValueError):
        raise BadSeal("the signature does not match the document: it was changed after signing") from None


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

"""The seal: Ed25519 signatures over one canonical form of a JSON document.

Rules (stated once, so a member, an auditor and ``check_ledger`` sign and verify the same bytes):

* The signed bytes are the document without its ``signature`` member, as JSON with sorted keys,
  no spaces (``,`` and ``:``), UTF-8 text as it is (no ``\\u`` escapes); numbers are whole
  numbers only (points and đồng never have decimals), so no float formatting can differ.
* ``signature`` is ``{"algorithm": "Ed25519", "key_id": …, "value": base64}``; the key id is the
  first 16 hex digits of SHA-256 over the raw 32-byte public key, so a verifier can tell which
  key signed before trying it.
* The private key is a PEM file outside the database, readable by its owner only (mode 600).

The canonical form and the verification live in :mod:`loyalty.points.verify_statement`, a file
that stands alone (standard library and ``cryptography``), so what an auditor runs is the very
definition the programme signs with; this module adds the signing side.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from loyalty.points.verify_statement import (
    ALGORITHM,
    SIGNATURE,
    BadSeal,
    canonical,
    key_id,
    load_private_key,
    load_public_key,
    verify,
)

__all__ = [
    "ALGORITHM",
    "SIGNATURE",
    "BadSeal",
    "canonical",
    "create_key_file",
    "key_id",
    "load_private_key",
    "load_public_key",
    "public_pem",
    "sign",
    "verify",
]


def public_pem(public_key: Ed25519PublicKey) -> str:
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode()


def create_key_file(path: Path) -> Ed25519PrivateKey:
    """A new signing key written to ``path`` (mode 600); refuses to overwrite one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    return key


def sign(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The document with its ``signature`` member (a new dict; the argument is not changed)."""
    value = base64.b64encode(key.sign(canonical(document))).decode()
    seal = {"algorithm": ALGORITHM, "key_id": key_id(key.public_key()), "value": value}
    return {**{k: v for k, v in document.items() if k != SIGNATURE}, SIGNATURE: seal}

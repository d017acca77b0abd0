"""The seal: Ed25519 signatures over one canonical form of a JSON document.

Rules (stated once, so a member, an auditor and ``check_ledger`` sign and verify the same bytes):

* The signed bytes are the document without its ``signature`` member, as JSON with sorted keys,
  no spaces (``,`` and ``:``), UTF-8 text as it is (no ``\\u`` escapes); numbers are whole
  numbers only (points and đồng never have decimals), so no float formatting can differ.
* ``signature`` is ``{"algorithm": "Ed25519", "key_id": …, "value": base64}``; the key id is the
  first 16 hex digits of SHA-256 over the raw 32-byte public key, so a verifier can tell which
  key signed before trying it.
* The private key is a PEM file outside the database, readable by its owner only (mode 600).

This module imports the standard library and ``cryptography`` only: with
``loyalty.points.verify_statement`` it is all a verifier needs, without the database.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
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


def public_pem(public_key: Ed25519PublicKey) -> str:
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem.decode()


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

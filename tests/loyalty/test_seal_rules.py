"""The seal's pure rules: one canonical form, Ed25519 over it, a key file only its owner reads."""

from __future__ import annotations

import ast
import stat
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from loyalty.points import seal
from loyalty.points.chain import entry_hash

POINTS = Path(__file__).resolve().parents[2] / "loyalty" / "points"


def test_the_canonical_form_is_sorted_compact_utf8_and_leaves_out_the_signature() -> None:
    document = {"b": 1, "a": {"z": "Cà phê", "y": [2, 1]}, "signature": {"value": "x"}}
    assert seal.canonical(document) == '{"a":{"y":[2,1],"z":"Cà phê"},"b":1}'.encode()


def test_a_float_has_no_place_in_a_sealed_document() -> None:
    with pytest.raises(ValueError, match="whole numbers"):
        seal.canonical({"points": 1.5})


def test_a_signed_document_verifies_and_any_change_of_a_figure_does_not() -> None:
    key = Ed25519PrivateKey.generate()
    signed = seal.sign({"statement": {"points_balance": 120, "entries": [{"delta": 120}]}}, key)
    assert signed["signature"]["key_id"] == seal.key_id(key.public_key())
    seal.verify(signed, key.public_key())
    changed = {**signed, "statement": {"points_balance": 1120, "entries": [{"delta": 120}]}}
    with pytest.raises(seal.BadSeal, match="changed after signing"):
        seal.verify(changed, key.public_key())


def test_another_key_and_a_missing_signature_are_refused() -> None:
    signed = seal.sign({"a": 1}, Ed25519PrivateKey.generate())
    with pytest.raises(seal.BadSeal, match="signed by key"):
        seal.verify(signed, Ed25519PrivateKey.generate().public_key())
    with pytest.raises(seal.BadSeal, match="no Ed25519 signature"):
        seal.verify({"a": 1}, Ed25519PrivateKey.generate().public_key())


def test_the_key_file_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "ledger.pem"
    key = seal.create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert seal.key_id(seal.load_private_key(path.read_bytes()).public_key()) == seal.key_id(key.public_key())
    assert seal.key_id(seal.load_public_key(path.read_bytes())) == seal.key_id(key.public_key())
    with pytest.raises(FileExistsError):
        seal.create_key_file(path)


def test_the_public_pem_round_trips() -> None:
    key = Ed25519PrivateKey.generate()
    pem = seal.public_pem(key.public_key()).encode()
    assert seal.key_id(seal.load_public_key(pem)) == seal.key_id(key.public_key())


def test_the_plain_chain_hash_is_what_anyone_can_recompute() -> None:
    """Why checkpoints exist: the entry hash needs no secret, so it proves nothing on its own."""
    import hashlib
    from datetime import UTC, datetime

    moment = datetime(2026, 1, 1, tzinfo=UTC)
    text = f"|7|12|earn|earn:1:R-1|12|0|{int(moment.timestamp()) * 1_000_000}"
    assert entry_hash("", 7, 12, "earn", "earn:1:R-1", 12, 0, moment) == hashlib.sha256(text.encode()).hexdigest()


def _imports(module: str) -> set[str]:
    tree = ast.parse((POINTS / module).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_verifier_stands_alone_and_the_seal_takes_its_definition_from_it() -> None:
    allowed = set(sys.stdlib_module_names) | {"cryptography", "__future__"}
    assert {name for name in _imports("verify_statement.py") if name.split(".")[0] not in allowed} == set()
    outside = {name for name in _imports("seal.py") if name.split(".")[0] not in allowed}
    assert outside == {"loyalty.points.verify_statement"}

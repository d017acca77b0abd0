"""The ledger's signing key: read from ``LEDGER_SIGNING_KEY_FILE``, never from the database.

Rules: in development a missing key is made on first use (mode 600, beside the demo
credentials by default), so ``make run`` signs statements out of the box; in production a
missing key is an error that says how to make one, because a key made silently on one API
process would not be the key the others, and every earlier checkpoint, were signed with.
Verifying only ever reads the key: ``check_ledger`` never makes one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from loyalty.errors import Unavailable
from loyalty.points.seal import create_key_file, key_id, load_private_key, public_pem
from loyalty.settings import APP_ENV, LEDGER_SEAL, AppEnv


class SigningKeyMissing(Unavailable):
    code = "statement_signing_unavailable"
    title = "Statements cannot be signed just now"


def signing_key(path: Path | None = None) -> Ed25519PrivateKey:
    path = path or LEDGER_SEAL.signing_key_file
    if path.exists():
        return load_private_key(path.read_bytes())
    if APP_ENV is AppEnv.PRODUCTION:
        raise SigningKeyMissing(
            f"no ledger signing key at {path}: make one with `openssl genpkey -algorithm ed25519 -out {path}` "
            "(mode 600) and set LEDGER_SIGNING_KEY_FILE"
        )
    try:
        return create_key_file(path)
    except FileExistsError:  # another process made it a moment ago
        return load_private_key(path.read_bytes())


def trusted_public_key(path: Path | None = None) -> Ed25519PublicKey | None:
    """The public half of the signing key, or None when there is no key file yet."""
    path = path or LEDGER_SEAL.signing_key_file
    return load_private_key(path.read_bytes()).public_key() if path.exists() else None


@dataclass(frozen=True, slots=True)
class PublicKey:
    key_id: str
    pem: str


def public_key(path: Path | None = None) -> PublicKey:
    """The key a member or auditor verifies statements with (made first, in development)."""
    public = signing_key(path).public_key()
    return PublicKey(key_id(public), public_pem(public))

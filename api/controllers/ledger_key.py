"""GET /api/v1/ledger/public-key: the key that verifies signed statements, for anyone.

No sign-in: a member, an auditor or a court verifies a statement with this key alone
(``python -m loyalty.points.verify_statement``). It never changes but when the key is rotated.
"""

from __future__ import annotations

from litestar import get

from api.schemas_earning import PublicKeyOut
from loyalty import points


@get("/api/v1/ledger/public-key", tags=["member"], summary="The public key that verifies signed statements")
async def ledger_public_key() -> PublicKeyOut:
    key = points.public_key()
    return PublicKeyOut("Ed25519", key.key_id, key.pem)

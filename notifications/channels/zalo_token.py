"""The Zalo OA access token, refreshed with a single-use refresh token that survives restarts.

Rules:

* Zalo's OAuth v4 (``POST {ZALO_OAUTH_URL}/v4/oa/access_token``, header ``secret_key``, form
  ``app_id``, ``grant_type=refresh_token``, ``refresh_token``) answers a new access token *and a
  new refresh token*; the old refresh token is then spent. So the pair is written to
  ``ZALO_TOKEN_FILE`` (JSON, mode 600, written to a temporary file and renamed, so a crash leaves
  the old pair or the new one, never half) before the new access token is used.
* Why a file and not a table: the token is a secret of the deployment, not member data; it must
  not travel in backups or the admin, and the notification tables belong to the delivery code.
  Workers of one host share the file; a worker that finds a newer pair there adopts it instead
  of spending the refresh token a second time.
* ``ZALO_REFRESH_TOKEN`` is only the first refresh token, used while the file does not exist.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx


class ZaloAuthError(RuntimeError):
    """Zalo refused to refresh the OA access token (a spent or wrong refresh token, a wrong secret)."""


class ZaloTokens:
    def __init__(
        self,
        *,
        path: str,
        app_id: str,
        secret_key: str,
        refresh_token: str | None,
        oauth_url: str,
        client: httpx.AsyncClient,
    ) -> None:
        self._path = Path(path)
        self._app_id, self._secret_key = app_id, secret_key
        self._first_refresh = refresh_token
        self._url = f"{oauth_url}/v4/oa/access_token"
        self._client = client
        self._lock = asyncio.Lock()
        self._access: str | None = None
        self.refreshes = 0

    async def access_token(self) -> str:
        if self._access is None:
            stored = self._load()
            if stored.get("access_token") and float(stored.get("expires_at", 0)) > time.time() + 60:
                self._access = str(stored["access_token"])
            else:
                return await self.refresh(stale=None)
        return self._access

    async def refresh(self, *, stale: str | None) -> str:
        """A fresh access token; ``stale`` is the one Zalo just refused (another task may have refreshed)."""
        async with self._lock:
            if self._access is not None and self._access != stale:
                return self._access
            stored = self._load()
            if (
                stored.get("access_token")
                and stored["access_token"] != stale
                and float(stored.get("expires_at", 0)) > time.time()
            ):
                self._access = str(stored["access_token"])
                return self._access
            refresh_token = stored.get("refresh_token") or self._first_refresh
            if not refresh_token:
                raise ZaloAuthError("no Zalo refresh token: set ZALO_REFRESH_TOKEN once")
            try:
                response = await self._client.post(
                    self._url,
                    headers={"secret_key": self._secret_key},
                    data={"app_id": self._app_id, "grant_type": "refresh_token", "refresh_token": str(refresh_token)},
                )
                answer: Any = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise ZaloAuthError(f"Zalo token refresh failed: {exc}") from exc
            if not isinstance(answer, dict) or not answer.get("access_token") or not answer.get("refresh_token"):
                raise ZaloAuthError(f"Zalo refused the token refresh: {str(answer)[:200]}")
            expires_in = float(answer.get("expires_in") or 3600)
            self._save(
                {
                    "access_token": answer["access_token"],
                    "refresh_token": answer["refresh_token"],
                    "expires_at": time.time() + expires_in,
                }
            )
            self.refreshes += 1
            self._access = str(answer["access_token"])
            return self._access

    def _load(self) -> dict[str, Any]:
        try:
            loaded = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def _save(self, pair: dict[str, Any]) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".zalo_token.", dir=self._path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(pair, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self._path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

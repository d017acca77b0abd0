"""A fake FCM v1 server on 127.0.0.1, for tests and the push benchmark.

It speaks just enough HTTP/1.1 (keep-alive, Content-Length) for firebase-admin's real HTTP code
path: ``POST /token`` answers google-auth's service-account token exchange, and
``POST /v1/projects/<project>/messages:send`` answers like FCM according to the token's prefix:

* ``unregistered…`` → 404 ``UNREGISTERED``
* ``invalid…`` → 400 ``INVALID_ARGUMENT``
* ``quota…`` → 429 with ``Retry-After: 2`` the first time, then success
* ``unavailable…`` → 503 every time
* anything else → 200 ``{"name": "projects/<p>/messages/<n>"}``

Every send is recorded (token, message). It runs on its own event loop in a thread (tests) or as
a process (``python -m tests.support.fake_fcm --port 0`` prints its URL; ``GET /stats`` counts,
duplicates included: the same message id pushed to the same token more than once).

With ``tls=True`` (``--tls``) it also listens with TLS on a second port (``tls_url``), with a fresh
self-signed certificate for 127.0.0.1 (``cert_file``; point ``SSL_CERT_FILE`` at it) and ALPN
``h2``: that is how firebase-admin's httpx client (``http2=True``) talks to the real FCM — one
multiplexed HTTP/2 connection — so the push benchmark measures that path, not an HTTP/1.1
fallback that production never takes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import ipaddress
import json
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCESS_TOKEN = "fake-access-token"
FCM_ERROR_TYPE = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


@dataclass
class Recorded:
    token: str
    message: dict[str, Any]
    status: int
    at: float


@dataclass
class FakeFcm:
    delay_s: float = 0.0
    sends: list[Recorded] = field(default_factory=list)
    token_requests: int = 0
    h2_connections: int = 0
    _seen: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None
    _thread: threading.Thread | None = None
    _tls_server: asyncio.Server | None = None
    port: int = 0
    tls: bool = False
    tls_port: int = 0
    cert_file: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def tls_url(self) -> str:
        return f"https://127.0.0.1:{self.tls_port}"

    # --- running -------------------------------------------------------------------------

    def start(self) -> FakeFcm:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port))
            self.port = self._server.sockets[0].getsockname()[1]
            if self.tls:
                context = self._tls_context()
                self._tls_server = loop.run_until_complete(
                    asyncio.start_server(self._serve_tls, "127.0.0.1", self.tls_port, ssl=context)
                )
                self.tls_port = self._tls_server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-fcm", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def close() -> None:
            server.close()
            if self._tls_server is not None:
                self._tls_server.close()
            # Connections clients kept alive end here, on a running loop, not when the loop is
            # garbage-collected ("Event loop is closed" at interpreter exit).
            serving = [t for t in asyncio.all_tasks(loop) if t is not asyncio.current_task()]
            for task in serving:
                task.cancel()
            await asyncio.gather(*serving, return_exceptions=True)
            loop.stop()

        asyncio.run_coroutine_threadsafe(close(), loop)
        if self._thread:
            self._thread.join(5)
        if not loop.is_running():
            loop.close()

    def reset(self) -> None:
        with self._lock:
            self.sends.clear()
            self._seen.clear()

    def tokens_sent(self, status: int = 200) -> list[str]:
        with self._lock:
            return [r.token for r in self.sends if r.status == status]

    # --- HTTP ------------------------------------------------------------------------------

    def _tls_context(self) -> ssl.SSLContext:
        self.cert_file, key_file = _self_signed_certificate(Path(tempfile.mkdtemp(prefix="fake-fcm-tls-")))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, key_file)
        context.set_alpn_protocols(["h2", "http/1.1"])
        return context

    async def _serve_tls(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tls = writer.get_extra_info("ssl_object")
        if tls is not None and tls.selected_alpn_protocol() == "h2":
            await self._serve_h2(reader, writer)
        else:
            await self._serve(reader, writer)

    async def _serve_h2(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """HTTP/2 (RFC 9113) with the h2 state machine: streams answered as they end."""
        import h2.config
        import h2.connection
        import h2.events
        import h2.settings

        connection = h2.connection.H2Connection(
            config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        )
        with self._lock:
            self.h2_connections += 1
        connection.initiate_connection()
        connection.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 1000})
        streams: dict[int, tuple[dict[str, str], bytearray]] = {}
        waiting: dict[int, bytes] = {}  # answers held back by flow control

        def flush(stream_id: int) -> None:
            data = waiting[stream_id]
            if connection.local_flow_control_window(stream_id) >= len(data):
                connection.send_data(stream_id, waiting.pop(stream_id), end_stream=True)

        try:
            writer.write(connection.data_to_send())
            while data := await reader.read(65536):
                for event in connection.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        streams[event.stream_id] = ({str(k): str(v) for k, v in event.headers or []}, bytearray())
                    elif isinstance(event, h2.events.DataReceived) and event.stream_id in streams:
                        streams[event.stream_id][1].extend(event.data or b"")
                        connection.acknowledge_received_data(event.flow_controlled_length or 0, event.stream_id)
                    elif isinstance(event, h2.events.StreamEnded) and event.stream_id in streams:
                        headers, body = streams.pop(event.stream_id)
                        status, extra, payload = await self._answer(
                            headers.get(":method", ""), headers.get(":path", ""), headers, bytes(body)
                        )
                        answer = json.dumps(payload).encode()
                        response = [(":status", str(status)), ("content-type", "application/json")]
                        response += [("content-length", str(len(answer)))]
                        response += [(k.lower(), v) for k, v in extra.items()]
                        connection.send_headers(event.stream_id, response)
                        waiting[event.stream_id] = answer
                        flush(event.stream_id)
                    elif isinstance(event, h2.events.WindowUpdated):
                        for stream_id in list(waiting):
                            flush(stream_id)
                    elif isinstance(event, h2.events.ConnectionTerminated):
                        return
                writer.write(connection.data_to_send())
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                status, extra, payload = await self._answer(method, path, headers, body)
                data = json.dumps(payload).encode()
                reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(status, "Error")
                out = [f"HTTP/1.1 {status} {reason}", "Content-Type: application/json", f"Content-Length: {len(data)}"]
                out += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def _answer(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if method == "POST" and path == "/token":
            with self._lock:
                self.token_requests += 1
            return 200, {}, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}
        if method == "GET" and path == "/stats":
            return 200, {}, self.stats()
        if method != "POST" or not path.endswith("/messages:send"):
            return 404, {}, {"error": {"code": 404, "message": "no such path", "status": "NOT_FOUND"}}
        if headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return 401, {}, {"error": {"code": 401, "message": "no token", "status": "UNAUTHENTICATED"}}
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        message = json.loads(body)["message"]
        token = str(message.get("token") or message.get("fid") or "")
        status, extra, payload = self._fcm_answer(token, path)
        with self._lock:
            self.sends.append(Recorded(token, message, status, time.monotonic()))
        return status, extra, payload

    def _fcm_answer(self, token: str, path: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            seen = self._seen.get(token, 0)
            self._seen[token] = seen + 1
        if token.startswith("unregistered"):
            return 404, {}, _error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        if token.startswith("invalid"):
            return 400, {}, _error(400, "INVALID_ARGUMENT", "The registration token is not valid", "INVALID_ARGUMENT")
        if token.startswith("quota") and seen == 0:
            return 429, {"Retry-After": "2"}, _error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", "QUOTA_EXCEEDED")
        if token.startswith("unavailable"):
            return 503, {}, _error(503, "UNAVAILABLE", "The service is unavailable", "UNAVAILABLE")
        project = path.split("/")[3] if path.count("/") >= 4 else "p"
        with self._lock:
            n = len(self.sends) + 1
        return 200, {}, {"name": f"projects/{project}/messages/{n}"}

    def stats(self) -> dict[str, Any]:
        with self._lock:
            ok = [r.at for r in self.sends if r.status == 200]
            # One inbox message to one device is one delivery: sent twice, it is a duplicate.
            delivered = {
                (r.token, str(r.message.get("data", {}).get("message_id"))) for r in self.sends if r.status == 200
            }
            return {
                "sends": len(self.sends),
                "ok": len(ok),
                "unique_ok": len({r.token for r in self.sends if r.status == 200}),
                "unique_deliveries": len(delivered),
                "duplicates": len(ok) - len(delivered),
                "first_at": min(ok) if ok else None,
                "last_at": max(ok) if ok else None,
            }


def _error(code: int, status: str, message: str, fcm_code: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "status": status,
            "details": [{"@type": FCM_ERROR_TYPE, "errorCode": fcm_code}],
        }
    }


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost that is its own CA (trust it with SSL_CERT_FILE)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-fcm.localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def write_service_account(path: Path, *, token_uri: str, project_id: str) -> Path:
    """A throwaway service-account file with a fresh RSA key, whose token_uri is the fake."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": project_id,
                "private_key_id": "fake-key-1",
                "private_key": pem,
                "client_email": f"fcm@{project_id}.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": token_uri,
            }
        )
    )
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", action="store_true", help="also listen with TLS + HTTP/2; prints 2 more lines")
    args = parser.parse_args()
    fake = FakeFcm(port=args.port, tls=args.tls).start()
    print(fake.url, flush=True)
    if args.tls:
        print(fake.tls_url, flush=True)
        print(fake.cert_file, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()

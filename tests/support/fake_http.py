"""A tiny JSON-over-HTTP/1.1 server on 127.0.0.1 in a thread, for the channels' fake providers."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

# (path, headers (lower-case names), parsed body) -> (status, JSON answer)
Handler = Callable[[str, dict[str, str], dict[str, Any]], tuple[int, Any]]


class FakeHttp:
    def __init__(self, handle: Handler) -> None:
        self._handle = handle
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        handle = self._handle

        class Request(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                    body: dict[str, Any] = dict(parse_qsl(raw.decode()))
                else:
                    body = json.loads(raw or b"{}")
                status, answer = handle(self.path, headers, body)
                out = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client is gone (a worker killed mid-request): nobody to answer

            def log_message(self, format: str, *args: Any) -> None:
                return None

        class Server(ThreadingHTTPServer):
            # The default backlog of 5 refuses connections when a sender opens its 16 at once.
            request_queue_size = 128

        self._server = Server(("127.0.0.1", 0), Request)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

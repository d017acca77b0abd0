"""A real PgBouncer (Debian's package) in transaction mode in front of the test database.

Its own instance on a free port, from a generated ini, in the foreground as a child process,
stopped afterwards. PgBouncer refuses to run as root: as root it is started with ``-u postgres``
and its files are made readable by that user. ``REQUIRE_PGBOUNCER=1`` (CI) makes a missing
binary a failure instead of a skip, as ``REQUIRE_BROWSER`` does for Chromium.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.support.browser import free_port

BINARY = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def require_pgbouncer() -> None:
    if os.path.exists(BINARY):
        return
    message = "PgBouncer is needed (apt-get install pgbouncer)"
    if os.environ.get("REQUIRE_PGBOUNCER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def version() -> str:
    done = subprocess.run([BINARY, "--version"], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()[0]


@contextmanager
def pgbouncer(database_url: str, *, server_connections: int = 4) -> Iterator[str]:
    """PgBouncer with ``pool_mode = transaction`` and at most ``server_connections`` to the
    server per database, so clients keep being handed other server connections; yields the URL
    of the same database through it."""
    require_pgbouncer()
    url = urlparse(database_url)
    user = url.username or "postgres"
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="thanthiet-pgbouncer-"))
    (folder / "users.txt").write_text(f'"{user}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={url.hostname or '127.0.0.1'} port={url.port or 5432}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {server_connections}\nmin_pool_size = 0\nreserve_pool_size = 0\n"
        "max_client_conn = 400\n"
        # asyncpg sends no other startup parameter than these two, which PgBouncer tracks itself.
        "ignore_startup_parameters =\n"
        "server_reset_query =\n"
    )
    command = [BINARY]
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        for path in folder.iterdir():
            os.chown(path, owner.pw_uid, owner.pw_gid)
        command += ["-u", "postgres"]
    log = (folder / "out.log").open("wb")
    process = subprocess.Popen([*command, str(folder / "pgbouncer.ini")], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"pgbouncer did not start: {(folder / 'out.log').read_text()}") from None
                time.sleep(0.1)
        yield url._replace(netloc=f"{user}@127.0.0.1:{port}").geturl()
    finally:
        process.terminate()
        process.wait(10)
        log.close()
        shutil.rmtree(folder, ignore_errors=True)

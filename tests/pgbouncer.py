"""A PgBouncer in transaction mode in front of the test PostgreSQL, for tests/test_pgbouncer.py:
the one `.ci/run` started (CRENEAU_TEST_PGBOUNCER_URL), or one of our own when Debian's
`pgbouncer` is installed."""

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
from urllib.parse import urlsplit

CONFIG = """[databases]
* = host={host} port={port}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {auth_file}
pool_mode = transaction
default_pool_size = 10
max_client_conn = 400
"""


def binary() -> str | None:
    return shutil.which("pgbouncer") or next((p for p in ("/usr/sbin/pgbouncer",) if os.path.exists(p)), None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        try:  # between two looks, wait on the child itself: it exiting is the other answer
            process.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"pgbouncer exited: {process.stderr.read() if process.stderr else ''}")
    raise RuntimeError("pgbouncer did not listen within 10 s")


@contextmanager
def running(postgres_url: str) -> Iterator[str]:
    """postgres://user@127.0.0.1:PORT (no database) of a PgBouncer forwarding to postgres_url's server."""
    target = urlsplit(postgres_url)
    user = target.username or "postgres"
    directory = Path(tempfile.mkdtemp(prefix="creneau-pgbouncer-"))
    try:
        port = _free_port()
        (directory / "userlist.txt").write_text(f'"{user}" ""\n')
        (directory / "pgbouncer.ini").write_text(CONFIG.format(
            host=target.hostname or "127.0.0.1", port=target.port or 5432, listen=port,
            auth_file=directory / "userlist.txt"))
        command = [binary() or "pgbouncer", str(directory / "pgbouncer.ini")]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            account = pwd.getpwnam("postgres")
            os.chown(directory, account.pw_uid, account.pw_gid)
            for name in ("userlist.txt", "pgbouncer.ini"):
                os.chown(directory / name, account.pw_uid, account.pw_gid)
            command[1:1] = ["-u", "postgres"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            _wait_listening(port, process)
            yield f"postgres://{user}@127.0.0.1:{port}"
        finally:
            process.terminate()
            process.communicate(timeout=10)  # reads and closes its stderr pipe
    finally:
        shutil.rmtree(directory, ignore_errors=True)

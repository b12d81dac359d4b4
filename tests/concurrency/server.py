"""Run the real app under uvicorn in its own processes, for tests that need a live server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from tests.builders import SECRET_KEY


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 15 s; close its stderr pipe."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr is not None:
        process.stderr.close()


@dataclass(frozen=True)
class Server:
    url: str
    pid: int  # uvicorn's supervisor; its workers are its children


@contextmanager
def live_server(database_url: str, var_dir, workers: int = 2, port: int | None = None, **env):
    """Yields the Server once every worker has said 'Application startup complete' and the socket
    is bound. `port`:
    chosen by the caller when a setting must name it (BASE_URL)."""
    port = port or free_port()
    environ = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY=SECRET_KEY, CRENEAU_VAR_DIR=str(var_dir),
                   BOOKING_RATE_LIMIT="0", EMAIL_BACKEND="memory", SMS_BACKEND="memory")
    environ.update(env)
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "creneau.asgi:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--log-level", "info", "--no-access-log"],
        env=environ, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )
    ready = threading.Event()
    log: list[str] = []

    def watch() -> None:
        # Both: every worker's startup, and the socket bound ("Uvicorn running on"). A single
        # worker logs its startup *before* it binds, so startup alone let a request be refused.
        started, bound = 0, False
        for line in process.stderr:
            log.append(line)
            started += "Application startup complete" in line
            bound = bound or "Uvicorn running on" in line
            if started == workers and bound:
                ready.set()

    threading.Thread(target=watch, daemon=True).start()
    try:
        if not ready.wait(timeout=60):
            raise RuntimeError("server did not start:\n" + "".join(log))
        yield Server(f"http://127.0.0.1:{port}", process.pid)
    finally:
        stop(process)
        server_errors = [line for line in log if "Traceback" in line or " 500 " in line]
        assert not server_errors, "".join(log)

"""What uvicorn's access log costs on cheap requests (issue 16): `creneau serve` (one process,
SQLite) answering GET /static/favicon.svg and GET /healthz over 8 keep-alive connections, with
the access log off (the default) and on (ACCESS_LOG=true, lines written to a file as a process
manager would collect them). Measured as the server process's CPU per request (/proc/PID/stat),
which does not move with other processes' load the way a rate does; the ratio on / off is the
log's cost.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from benchmarks.workers_bench import _cpu_seconds

REQUESTS = 4_000
CONNECTIONS = 8
PATHS = ("/static/favicon.svg", "/healthz")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _connection(port: int, request: bytes, count: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(count):
            writer.write(request)
            status = await reader.readline()
            assert status.split()[1] == b"200", status
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
    finally:
        writer.close()


def _load(port: int, path: str, count: int) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode("ascii")

    async def all_connections() -> None:
        await asyncio.wait_for(asyncio.gather(*(_connection(port, request, count // CONNECTIONS)
                                                for _ in range(CONNECTIONS))), timeout=300)

    uvloop.run(all_connections())


def _serve(workdir: Path, access_log: bool) -> tuple[subprocess.Popen, int, Path]:
    port = _free_port()
    log_path = workdir / f"serve-{'on' if access_log else 'off'}.log"
    env = dict(os.environ, DATABASE_URL=f"sqlite://{workdir}/bench.sqlite3", SECRET_KEY="a" * 40,
               CRENEAU_VAR_DIR=str(workdir), EMAIL_BACKEND="memory", SMS_BACKEND="memory",
               INLINE_WORKERS="false", ACCESS_LOG="true" if access_log else "false")
    creneau = str(Path(sys.executable).with_name("creneau"))
    with open(log_path, "w") as log:
        process = subprocess.Popen([creneau, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while "Uvicorn running on" not in log_path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("creneau serve did not start:\n" + log_path.read_text())
        time.sleep(0.1)
    return process, port, log_path


def _cpu_per_request(workdir: Path, access_log: bool) -> dict[str, float]:
    process, port, log_path = _serve(workdir, access_log)
    try:
        results = {}
        for path in PATHS:
            _load(port, path, 400)  # warm-up
            before = _cpu_seconds(process.pid)
            _load(port, path, REQUESTS)
            results[path] = 1000 * (_cpu_seconds(process.pid) - before) / REQUESTS
        lines = log_path.read_text().count('"GET ')
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert (lines > REQUESTS) == access_log, lines  # the setting did what it says
    return results


def run() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        subprocess.run([str(Path(sys.executable).with_name("creneau")), "migrate"], check=True, capture_output=True,
                       env=dict(os.environ, DATABASE_URL=f"sqlite://{workdir}/bench.sqlite3", SECRET_KEY="a" * 40,
                                CRENEAU_VAR_DIR=str(workdir)))
        runs = {False: [], True: []}
        for _ in range(2):  # alternated: both see the same machine
            for access_log in (False, True):
                runs[access_log].append(_cpu_per_request(workdir, access_log))
    rows = []
    for path in PATHS:
        off = min(result[path] for result in runs[False])
        on = min(result[path] for result in runs[True])
        rows.append((f"access log on / off, GET {path} (server CPU)", f"{on / off:.2f}x",
                     f"{off:.2f} -> {on:.2f} ms CPU per request; off by default"))
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))

"""Outbox workers as deployed: `creneau worker` OS processes sending into an SMTP sink (aiosmtpd,
its own process), measured from outside (issue 16).

1. Scaling on PostgreSQL (when CRENEAU_TEST_POSTGRES_URL is set; a database of its own): the same
   backlog drained by one worker process, then by two at once, in messages per second; the
   ratio two / one. The machine has two cores, which the workers share with PostgreSQL, the sink
   and this process: the sink's and the database's CPU per message is also shown (from
   /proc/PID/stat), since they bound what a second worker can add.
2. Memory: one worker process sends 100,000 messages (SQLite); its resident memory (VmRSS) is read
   at the 10,000th, 50,000th and 100,000th. It takes 10-25 minutes on the shared 2-core machine:
   only when asked by name (`python -m benchmarks workers`), not in a plain `make bench`.

Messages are copies of one booking confirmation (the real path: claim, re-read, render, .ics,
compose, send over SMTP, record), inserted in one statement.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import pg
from benchmarks.notifier_bench import FAR_AHEAD, LONG_AGO, smtp_sink
from benchmarks.procstat import status_mb

SCALING_MESSAGES = 3_000
ROUNDS = 2
MEMORY_MESSAGES = 100_000
MEMORY_MARKS = (10_000, 50_000, 100_000)
ENV_KEEP = ("PATH", "HOME", "LANG", "PYTHONPATH")

_COPY_COLUMNS = ("practice_id, appointment_id, kind, channel, audience, appointment_version, due_at, expires_at, "
                 "status, attempts, next_attempt_at, created_at")
_COPY = {
    "postgres": f"""INSERT INTO outbox_message ({_COPY_COLUMNS}, last_error, provider_id, dedupe_key)
        SELECT {_COPY_COLUMNS.replace("status", "'pending'").replace("attempts", "0")
                .replace("next_attempt_at", "$2::timestamptz").replace("due_at", "$2::timestamptz")
                .replace("expires_at", "$3::timestamptz")}, '', '', 'copy-' || $4::text || '-' || i
        FROM outbox_message, generate_series(1, $1) AS i WHERE outbox_message.id = $5""",
    "sqlite": f"""WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO outbox_message ({_COPY_COLUMNS}, last_error, provider_id, dedupe_key)
        SELECT {_COPY_COLUMNS.replace("status", "'pending'").replace("attempts", "0")
                .replace("next_attempt_at", "?2").replace("due_at", "?2").replace("expires_at", "?3")}, '', '', 'copy-' || ?4 || '-' || i
        FROM outbox_message, n WHERE outbox_message.id = ?5""",
}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (/proc/PID/stat), 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu() -> float:
    """CPU of every PostgreSQL process on this machine (the server's backends and helpers)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    total += _cpu_seconds(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return total


async def _template_id() -> int:
    """A booking whose e-mail confirmation is the message copied."""
    from portal.models import OutboxMessage
    from portal.patients.consent_texts import PRIVACY_NOTICE_VERSION
    from tests.builders import book, load_demo, paris

    template = await OutboxMessage.filter(kind="confirmation", channel="email").first()
    if template is None:
        await load_demo()
        await book(paris(2026, 12, 1, 11), datetime(2026, 11, 30, 8, tzinfo=UTC),
                   consents={"privacy_notice": PRIVACY_NOTICE_VERSION, "email_reminders": False, "sms_reminders": False})
        template = await OutboxMessage.filter(kind="confirmation", channel="email").first()
        await OutboxMessage.exclude(id=template.id).delete()  # only copies go out
        await OutboxMessage.filter(id=template.id).update(status="sent")
    assert template is not None
    return template.id


async def _copy(count: int, tag: str) -> None:
    from tortoise import connections

    conn = connections.get("default")
    dialect = "postgres" if conn.capabilities.dialect == "postgres" else "sqlite"
    template = await _template_id()
    if dialect == "postgres":
        params = [count, LONG_AGO, FAR_AHEAD, tag, template]
    else:
        params = [count, str(LONG_AGO), str(FAR_AHEAD), tag, template]
    await conn.execute_query(_COPY[dialect], params)


async def _sent() -> int:
    from portal.models import OutboxMessage

    return await OutboxMessage.filter(status="sent", dedupe_key__startswith="copy-").count()


async def _left() -> int:
    from portal.models import OutboxMessage

    return await OutboxMessage.filter(status__in=("pending", "sending")).count()


def _worker_env(url: str, port: int, workdir: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in ENV_KEEP if name in os.environ}
    env.update(DATABASE_URL=url, SECRET_KEY="w" * 40, CRENEAU_VAR_DIR=str(workdir), EMAIL_BACKEND="smtp",
               SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_TLS="none", MAIL_FROM="Créneau <rdv@example.fr>",
               SMS_BACKEND="file", BASE_URL="https://rdv.example.fr", PYTHONUNBUFFERED="1")
    return env


def _start_workers(count: int, env: dict[str, str], batch: int) -> list[subprocess.Popen]:
    creneau = str(Path(sys.executable).with_name("creneau"))
    return [subprocess.Popen([creneau, "worker", "--batch", str(batch), "--poll", "0.1"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(count)]


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


async def _poll_until(read, done, interval: float) -> None:
    """Polls the database (other processes change it: no event to wait on here)."""
    while True:
        if done(await read()):
            return
        await asyncio.sleep(interval)


async def _drain(workers_count: int, env, sink_pid: int, batch: int, tag: str) -> dict[str, float]:
    """Messages/s of `workers_count` worker processes over SCALING_MESSAGES, and CPU per message."""
    await _copy(SCALING_MESSAGES, tag)
    sink_before, pg_before = _cpu_seconds(sink_pid), _postgres_cpu()
    workers = _start_workers(workers_count, env, batch)
    try:
        # Timed from the first message sent: the processes' start (imports, pools) is not sending.
        before = await _sent()
        await _poll_until(_sent, lambda sent: sent != before, 0.02)
        started, first = time.perf_counter(), await _sent()
        await _poll_until(_left, lambda left: left == 0, 0.05)
        elapsed = time.perf_counter() - started
        # Before the workers stop: their database backends leave with their connections.
        worker_cpu = sum(_cpu_seconds(worker.pid) for worker in workers)
        sink_cpu, pg_cpu = _cpu_seconds(sink_pid) - sink_before, _postgres_cpu() - pg_before
    finally:
        _stop(workers)
    return {"rate": (await _sent() - first) / elapsed,
            "sink_ms": 1000 * sink_cpu / SCALING_MESSAGES, "pg_ms": 1000 * pg_cpu / SCALING_MESSAGES,
            "worker_ms": 1000 * worker_cpu / SCALING_MESSAGES}


async def _scaling(admin_url: str, port: int, sink_pid: int, workdir: Path) -> list[tuple[str, str, str]]:
    from creneau import database as db

    name = "creneau_workers_bench"
    url = await pg.create_database(admin_url, name)
    try:
        await db.migrate(url)
        await db.close()
        await db.init(url)
        env = _worker_env(url, port, workdir)
        rows = []
        runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
        try:
            for round_ in range(ROUNDS):  # alternated: both see the same machine; the least disturbed kept
                for count in (1, 2):
                    runs[count].append(await _drain(count, env, sink_pid, 50, f"{count}-{round_}"))
        finally:
            await db.close()
        one, two = (max(runs[count], key=lambda result: result["rate"]) for count in (1, 2))
        for label, result in (("1 worker", one), ("2 workers", two)):
            rows.append((f"workers (PostgreSQL): {label}, msg/s", f"{result['rate']:.0f}",
                         f"CPU/msg: workers {result['worker_ms']:.1f} ms, sink {result['sink_ms']:.1f} ms, "
                         f"PostgreSQL {result['pg_ms']:.1f} ms"))
        # One worker uses at most one core; two share both cores with the sink and PostgreSQL, so
        # on this machine two can do at most 2 * worker / (worker + sink + PostgreSQL) of one.
        bound = 2 * one["worker_ms"] / (one["worker_ms"] + one["sink_ms"] + one["pg_ms"])
        rows.append(("workers (PostgreSQL): 2 / 1", f"{two['rate'] / one['rate']:.2f}x",
                     f">= 1.6x; at most {bound:.2f}x on 2 cores (CPU per message)"))
        return rows
    finally:
        await pg.drop_database(admin_url, name)


async def _memory(port: int, workdir: Path) -> list[tuple[str, str, str]]:
    from creneau import database as db

    url = f"sqlite://{workdir}/memory.sqlite3"
    await db.migrate(url)
    await db.close()
    await db.init(url)
    samples: dict[int, float] = {}
    try:
        await _copy(MEMORY_MESSAGES, "memory")
        workers = _start_workers(1, _worker_env(url, port, workdir), 50)
        started = time.perf_counter()
        try:
            marks = list(MEMORY_MARKS)
            while marks:
                sent = await _sent()
                while marks and sent >= marks[0]:
                    samples[marks.pop(0)] = status_mb(workers[0].pid, "VmRSS")
                if workers[0].poll() is not None:
                    raise RuntimeError(f"the worker stopped: {workers[0].stderr.read()[-2000:]}")
                await asyncio.sleep(0.2)
            elapsed = time.perf_counter() - started
        finally:
            _stop(workers)
    finally:
        await db.close()
    first, last = samples[MEMORY_MARKS[0]], samples[MEMORY_MARKS[-1]]
    growth = 100 * (last - first) / first
    return [(f"worker process RSS at {', '.join(f'{m // 1000}k' for m in MEMORY_MARKS)} messages",
             " → ".join(f"{samples[m]:.0f}" for m in MEMORY_MARKS) + " MiB",
             f"flat within 10 % ({growth:+.1f} %; {MEMORY_MESSAGES / elapsed:.0f} msg/s, SQLite)")]


def run() -> list[tuple[str, str, str]]:
    with smtp_sink() as (port, sink_pid), tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        rows = []
        postgres = os.environ.get("CRENEAU_TEST_POSTGRES_URL")
        asked = sys.argv[1:]
        if postgres and "memory" not in asked:
            rows += asyncio.run(_scaling(postgres, port, sink_pid, workdir))
        if any(word in asked for word in ("workers", "workers_bench", "memory")):
            rows += asyncio.run(_memory(port, workdir))
        else:
            rows.append(("worker process RSS over 100,000 messages", "skipped", "python -m benchmarks workers"))
        return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))

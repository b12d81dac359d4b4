"""Background housekeeping runs once per deployment, not once per process: several OS
processes doing their round at the same instant, on one database, run each job once between
them, and again only when its period is over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from creneau import maintenance
from portal.models import IdempotencyRecord

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = 4


def rounds(url: str, now) -> list[list[str]]:
    """What each of PROCESSES processes, started together, ran at `now`."""
    started = [
        subprocess.Popen([sys.executable, "-m", "tests.periodic_process", url, now.isoformat()], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
        for _ in range(PROCESSES)
    ]
    results = []
    for process in started:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


async def test_several_processes_purge_once_per_period(any_database, now):
    for key, age in (("old", 25), ("fresh", 23)):
        await IdempotencyRecord.create(key=key, request_sha256="0" * 64, status_code=201, body="{}")
        await IdempotencyRecord.filter(key=key).update(created_at=now - timedelta(hours=age))

    first = rounds(any_database, now)
    every_job = sorted(job.name for job in maintenance.JOBS)
    assert sorted(name for ran in first for name in ran) == every_job, first  # each job once, by one process
    assert await IdempotencyRecord.all().values_list("key", flat=True) == ["fresh"]

    # Half an hour later nobody runs it; after the hour, one process again.
    assert rounds(any_database, now + timedelta(minutes=30)) == [[]] * PROCESSES
    later = rounds(any_database, now + timedelta(minutes=61))
    assert sorted(name for ran in later for name in ran) == every_job

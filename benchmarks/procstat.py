"""Memory of a process, read from /proc (Linux): what the benchmarks report."""

from __future__ import annotations

from pathlib import Path


def status_mb(pid: int, field: str) -> float:
    """A size field of /proc/PID/status (VmRSS: now, VmHWM: peak), in MiB; 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process or of its largest child (uvicorn's workers are children)."""
    return max(status_mb(candidate, "VmHWM") for candidate in [pid, *children(pid)])

"""`make bench`: run every benchmark module and print one table (name | measured | target)."""

from __future__ import annotations

import importlib
import sys
import time

MODULES = ("benchmarks.core_bench", "benchmarks.pages_bench", "benchmarks.notifier_bench", "benchmarks.calendar_bench",
           "benchmarks.busy_bench", "benchmarks.privacy_bench", "benchmarks.admin_bench", "benchmarks.growth_bench",
           "benchmarks.accesslog_bench", "benchmarks.workers_bench")


def main(argv: list[str]) -> int:
    wanted = [m for m in MODULES if not argv or any(a in m for a in argv)]
    rows: list[tuple[str, str, str]] = []
    for name in wanted:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        started = time.perf_counter()
        print(f"running {name}…", file=sys.stderr, flush=True)
        rows.extend(module.run())
        print(f"  {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark'.ljust(width)} | {'measured':>12} | target")
    print(f"{'-' * width}-|-{'-' * 12}-|-------")
    for name, measured, target in rows:
        print(f"{name.ljust(width)} | {measured:>12} | {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

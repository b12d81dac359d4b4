"""`make clean` removes build products only; resetting the demo is a target of its own (issue 11, item 12)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_make_clean_keeps_the_database_the_secret_key_and_the_outbox(tmp_path):
    make = shutil.which("make")
    if make is None:
        pytest.skip(reason="make is not installed")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    kept = [tmp_path / "var" / "creneau.sqlite3", tmp_path / "var" / "secret_key",
            tmp_path / "var" / "outbox" / "1.eml"]
    removed = [tmp_path / ".venv" / "bin" / "python", tmp_path / "test-artifacts" / "screenshots" / "home.png",
               tmp_path / "portal" / "__pycache__" / "x.pyc"]
    for path in kept + removed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("data")
    subprocess.run([make, "-C", str(tmp_path), "clean"], check=True, capture_output=True, timeout=60)
    assert [path.exists() for path in kept] == [True, True, True]
    assert [path.exists() for path in removed] == [False, False, False]


def test_resetting_the_demo_is_an_explicit_target_named_in_the_readme():
    dry_run = subprocess.run(["make", "-n", "-C", str(ROOT), "reset-demo"], capture_output=True, text=True,
                             timeout=60) if shutil.which("make") else None
    if dry_run is None:
        pytest.skip(reason="make is not installed")
    assert dry_run.returncode == 0, dry_run.stderr
    assert "creneau.sqlite3" in dry_run.stdout and "creneau demo" in dry_run.stdout
    assert "secret_key" not in dry_run.stdout
    assert "make reset-demo" in (ROOT / "README.md").read_text()


def test_make_run_serves_on_the_port_given():
    """`make run PORT=8001` when 8000 is taken; without PORT, `creneau serve`'s own 8000."""
    if shutil.which("make") is None:
        pytest.skip(reason="make is not installed")
    plain = subprocess.run(["make", "-n", "-C", str(ROOT), "run"], capture_output=True, text=True, timeout=60,
                           env={"PATH": "/usr/bin:/bin"})
    other = subprocess.run(["make", "-n", "-C", str(ROOT), "run", "PORT=8001"], capture_output=True, text=True,
                           timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert ".venv/bin/creneau serve\n" in plain.stdout
    assert ".venv/bin/creneau serve --port 8001" in other.stdout
    assert "make run PORT=" in (ROOT / "README.md").read_text()

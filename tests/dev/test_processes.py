"""A child process is stopped for sure, with every process of its group."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from dev.processes import Process


def group_members(pgid: int) -> list[int]:
    """The live processes of a process group (zombies do not count)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
                members.append(int(entry.name))
    return members


def test_stopping_a_child_ends_the_children_it_left_behind(tmp_path: Path) -> None:
    child = Process(["sh", "-c", "sleep 60 & sleep 60 & wait"], dict(os.environ), tmp_path / "child.log").start()
    assert child.proc is not None
    deadline = time.monotonic() + 10
    while len(group_members(child.proc.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(group_members(child.proc.pid)) == 3
    child.stop()
    assert child.proc.returncode == -signal.SIGTERM
    assert group_members(child.proc.pid) == []


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    log = tmp_path / "stubborn.log"
    child = Process(["sh", "-c", "trap '' TERM; echo ready; sleep 60"], None, log, grace=0.5).start()
    deadline = time.monotonic() + 10
    while b"ready" not in log.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    child.stop()
    assert child.proc is not None and child.proc.returncode == -signal.SIGKILL
    assert 0.5 <= time.monotonic() - started < 5


def test_a_fresh_log_is_written_anew_at_each_start(tmp_path: Path) -> None:
    log = tmp_path / "echo.log"
    for word in ("first", "second"):
        child = Process(["echo", word], None, log, fresh=True).start()
        assert child.proc is not None
        child.proc.wait(timeout=10)
    assert log.read_text() == "second\n"

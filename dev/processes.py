"""Child processes started and stopped for sure: the services `dev.services` runs, and the servers and
workers the tests and the benchmarks start (`Process`).

Every child runs in a session (a process group) of its own, and stopping it ends the whole group:
the signal, SIGKILL when the grace runs out, then SIGKILL to whatever of the group outlived its
leader (a Dramatiq worker's processes).

The services' record (`run/started.json` in the data folder) names each process by pid and start
time, so a pid reused by another process is never taken for ours. An entry is marked `stopping`
before it is signalled and leaves the record only once its process is gone, so an `ensure` that
runs while (or after) a stop was cut short waits for that process instead of finding it "running".
One lock per data folder keeps `ensure` and `stop` from interleaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATA = Path(os.environ.get("MOVIEVERSE_DATA") or ROOT / ".data")
RECORD = DATA / "run" / "started.json"
LOCK = DATA / "run" / "lock"
LOGS = DATA / "log"
STOP_GRACE = 15.0


def say(name: str, message: str) -> None:
    """Print one aligned progress line."""
    print(f"{name:<10} {message}", flush=True)


@contextlib.contextmanager
def locked() -> Iterator[None]:
    """Hold the data folder's lock (another ensure or stop waits for it)."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_record() -> list[dict[str, Any]]:
    """The services this tool started and has not seen stopped yet."""
    if not RECORD.exists():
        return []
    return list(json.loads(RECORD.read_text() or "[]"))


def _save(entries: list[dict[str, Any]]) -> None:
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    if not entries:
        RECORD.unlink(missing_ok=True)
        return
    spare = RECORD.with_suffix(".tmp")
    spare.write_text(json.dumps(entries, indent=2))
    spare.replace(RECORD)


def remember(entry: dict[str, Any]) -> None:
    """Add (or replace) a started service in the record."""
    _save([e for e in load_record() if e["name"] != entry["name"]] + [entry])


def _forget(name: str) -> None:
    _save([e for e in load_record() if e["name"] != name])


def recorded(name: str) -> dict[str, Any] | None:
    """The record of a started service, if any."""
    return next((e for e in load_record() if e["name"] == name), None)


def _stat(pid: int) -> tuple[str, int] | None:
    """A process's state letter and start time (clock ticks after boot), or None when there is no such pid."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return fields[0], int(fields[19])


def alive(entry: dict[str, Any]) -> bool:
    """Whether the recorded process still runs (a zombie, or a reused pid, does not count)."""
    if "pid" not in entry:
        return False
    found = _stat(int(entry["pid"]))
    if found is None or found[0] in ("Z", "X"):
        return False
    return entry.get("started") in (None, found[1])


def project_env(env: Mapping[str, str]) -> dict[str, str]:
    """`env` for a child that runs this project's Python: the project on PYTHONPATH, the virtualenv's bin first."""
    return {**env, "PYTHONPATH": str(ROOT), "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"}


class Process:
    """A child in a session of its own, its output in a log file (appended to, or `fresh` each start)."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str] | None, log: Path, *, cwd: Path = ROOT,
                 fresh: bool = False, grace: float = STOP_GRACE) -> None:
        self.args, self.env, self.log = list(args), None if env is None else dict(env), log
        self.cwd, self.fresh, self.grace = cwd, fresh, grace
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        """Start the process."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb" if self.fresh else "ab") as handle:
            self.proc = subprocess.Popen(self.args, cwd=self.cwd, env=self.env, stdout=handle,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def stop(self, sig: int = signal.SIGTERM, grace: float | None = None) -> None:
        """End the process and its whole group (`sig`, then SIGKILL after the grace) and reap it."""
        proc = self.proc
        if proc is None:
            return
        stop_group(proc.pid, lambda: proc.poll() is None, sig, self.grace if grace is None else grace)
        proc.wait(timeout=5)


def spawn(name: str, args: list[str], cwd: Path = ROOT) -> int:
    """Start a background service in its own session, logging to the data folder's log/NAME.log, and record it."""
    proc = Process(args, None, LOGS / f"{name}.log", cwd=cwd).start().proc
    assert proc is not None
    found = _stat(proc.pid)
    remember({"name": name, "pid": proc.pid, "started": found[1] if found else None})
    return proc.pid


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _wait(running: Callable[[], bool], seconds: float) -> bool:
    """Wait until the process is gone; True when it went within the time."""
    deadline = time.monotonic() + seconds
    while running():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def stop_group(pid: int, running: Callable[[], bool], sig: int = signal.SIGTERM, grace: float = STOP_GRACE) -> None:
    """Stop the process `pid` leads for sure: `sig` to its group, SIGKILL if it outlives the grace, and SIGKILL to
    whatever of its group is left once it is gone."""
    if running():
        _signal_group(pid, sig)
        if not _wait(running, grace):
            _signal_group(pid, signal.SIGKILL)
            _wait(running, 5.0)
    _signal_group(pid, signal.SIGKILL)


def stop_entry(entry: dict[str, Any]) -> None:
    """Stop one started service for sure (SIGTERM, then SIGKILL after the grace), then drop it from the record."""
    name = str(entry["name"])
    if "pid" in entry:
        remember(dict(entry, stopping=True))
        stop_group(int(entry["pid"]), lambda: alive(entry))
    else:
        subprocess.run([str(arg) for arg in entry["stop"]], check=False, capture_output=True, text=True)
    _forget(name)
    say(name, "stopped")


def settle() -> None:
    """Before deciding what to start: drop the record of processes that are gone, and wait for those stopping."""
    for entry in load_record():
        if "pid" not in entry:
            continue
        if not alive(entry):
            _forget(str(entry["name"]))
        elif entry.get("stopping"):
            say(str(entry["name"]), f"still shutting down (pid {entry['pid']}); waiting for it to be gone")
            stop_entry(entry)


def stop_all() -> None:
    """Stop what was started, newest first; a second Ctrl-C does not cut the stop short."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with locked():
            for entry in reversed(load_record()):
                stop_entry(entry)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


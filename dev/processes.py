"""The background processes `dev.services` starts: their record, and starting and stopping them for sure.

The record (`run/started.json` in the data folder) names each process by pid and start time, so a
pid reused by another process is never taken for ours. An entry is marked `stopping` before it
is signalled and leaves the record only once its process is gone, so an `ensure` that runs
while (or after) a stop was cut short waits for that process instead of finding it "running".
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
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


def spawn(name: str, args: list[str], cwd: Path = ROOT) -> int:
    """Start a background process in its own session, logging to the data folder's log/NAME.log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / f"{name}.log").open("ab")
    proc = subprocess.Popen(args, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    found = _stat(proc.pid)
    remember({"name": name, "pid": proc.pid, "started": found[1] if found else None})
    return proc.pid


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def wait_gone(entry: dict[str, Any], seconds: float = STOP_GRACE) -> bool:
    """Wait until the recorded process is gone; True when it went within the time."""
    deadline = time.monotonic() + seconds
    while alive(entry):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def stop_entry(entry: dict[str, Any]) -> None:
    """Stop one started service for sure (SIGTERM, then SIGKILL after the grace), then drop it from the record."""
    name = str(entry["name"])
    if "pid" in entry:
        remember(dict(entry, stopping=True))
        pid = int(entry["pid"])
        if alive(entry):
            _signal_group(pid, signal.SIGTERM)
            if not wait_gone(entry):
                _signal_group(pid, signal.SIGKILL)
                wait_gone(entry, 5.0)
        _signal_group(pid, signal.SIGKILL)  # whatever of its group is left
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


BIN = Path(sys.executable).parent

"""A MovieVerse stack of a test's own: its data folder, MongoDB stand-in and Firebase emulator on spare ports,
its own SQL databases, a Redis and a RabbitMQ node the suite's services never see."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.conftest import ROOT, child_env


def spare_port() -> int:
    """A free port below the ephemeral range, so no outgoing connection takes it before the server binds it."""
    while True:
        port = random.randrange(20_000, 32_000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def _renamed(url: str, suffix: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))


class Stack:
    """The environment of a stack of its own, and the commands `make up` runs on it."""

    def __init__(self, folder: Path, name: str, redis_url: str, rabbitmq_url: str) -> None:
        self.folder, self.name = folder, name
        self.mongo_port, self.firebase_port, self.smtp_port = spare_port(), spare_port(), spare_port()
        self.env = child_env(
            MOVIEVERSE_DATA=str(folder / "data"),
            POSTGRES_URL=_renamed(os.environ["POSTGRES_URL"], name),
            MYSQL_URL=_renamed(os.environ["MYSQL_URL"], name),
            MONGO_URL=f"mongodb://127.0.0.1:{self.mongo_port}/movieverse_{name}",
            FIREBASE_DATABASE_URL=f"http://127.0.0.1:{self.firebase_port}?ns=movieverse-{name}",
            SMTP_URL=f"smtp://127.0.0.1:{self.smtp_port}",
            REDIS_URL=redis_url, RABBITMQ_URL=rabbitmq_url,
            WEB_CONCURRENCY="1", WORKER_THREADS="2", PYTHONUNBUFFERED="1",
        )

    def run(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command of the project with this stack's environment."""
        done = subprocess.run(args, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check:
            assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
        return done

    def python(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        """`python ARGS` in the project, on this stack."""
        return self.run(sys.executable, *args, timeout=timeout, check=check)

    def up(self) -> None:
        """What `make up` does before honcho: the services, the schemas (no seed); stopped again if a step fails."""
        try:
            self.python("-m", "dev.services", "ensure", "--env", "test")
            self.python("-m", "stores.migrate")
        except BaseException:
            self.python("-m", "dev.services", "stop", check=False)
            raise

    def down(self) -> None:
        """Stop the services this stack started."""
        self.python("-m", "dev.services", "stop")

    def kill_left(self) -> list[int]:
        """SIGKILL every process of this stack still running (a test's last resort); the pids it found."""
        left = self.processes()
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return left

    def processes(self) -> list[int]:
        """Every process running with this stack's data folder in its environment."""
        marker = f"MOVIEVERSE_DATA={self.env['MOVIEVERSE_DATA']}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state not in ("Z", "X"):
                        found.append(int(entry.name))
            except OSError:
                continue
        return found

    def wait_no_processes(self, timeout: float = 20.0) -> list[int]:
        """Wait until no process of this stack runs; the ones left at the deadline."""
        deadline = time.monotonic() + timeout
        while (left := self.processes()) and time.monotonic() < deadline:
            time.sleep(0.1)
        return left

    def processes_of(self, pid: int) -> list[int]:
        """Every descendant of a process (children first found, grandchildren after)."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        found, frontier = [], [pid]
        while frontier:
            children = [child for child, parent in parents.items() if parent in frontier]
            found += children
            frontier = children
        return found

    def wait_gone(self, pids: list[int], timeout: float = 20.0) -> list[int]:
        """Wait until these processes are gone; those left at the deadline."""
        deadline = time.monotonic() + timeout
        while (left := [p for p in pids if _running(p)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        return left


def _running(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) not in ("Z", "X")
    except (OSError, IndexError):
        return False

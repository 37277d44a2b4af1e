"""What the benchmarks share: their own namespaces, a fresh MongoDB stand-in, and processes they start and stop.

Import this first: it points the process (and every child it starts) at the bench namespaces.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dev.processes import BIN, ROOT, Process, project_env

LOGS = ROOT / ".data" / "bench"


def cpu_seconds(selected: Callable[[Path, list[str]], bool]) -> float:
    """CPU seconds (user and system) used so far by the live processes that `selected(stat file, its fields after
    the command name)` picks."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if selected(stat, fields):
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Every request of a benchmark comes from one address: the work limits would measure themselves.
RAISED_LIMITS = {"RATE_LIMIT_READS": "100000000", "RATE_LIMIT_WRITES": "100000000",
                 "LOGIN_ATTEMPTS_PER_ADDRESS": "100000000"}


class Child(Process):
    """A process group the benchmark started, with its output in .data/bench/<name>.log (written afresh)."""

    def __init__(self, name: str, args: list[str]) -> None:
        self.name = name
        super().__init__(args, project_env({**RAISED_LIMITS, **os.environ}), LOGS / f"{name}.log", fresh=True,
                         grace=30)
        self.start()


def use_bench_namespaces() -> Child | None:
    """Point at the bench namespaces; unless MONGO_URL names a MongoDB, start a fresh in-memory stand-in.

    The stand-in's speed depends on what earlier runs left in its storage, so each run gets an empty one.
    """
    stand_in = None
    if not os.environ.get("MONGO_URL"):
        port = free_port()
        stand_in = Child("mongo", [str(BIN / "secantusd-py"), "--host", "127.0.0.1", "--port", str(port),
                                   "--storage-path", ":memory:", "--log-level", "WARNING"])
        os.environ["MONGO_URL"] = f"mongodb://127.0.0.1:{port}/movieverse_bench"
    from dev import testenv

    testenv.apply("bench")
    subprocess.run([sys.executable, "-m", "dev.services", "ensure", "--env", "bench"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return stand_in


def run_then_stop(main: Callable[[], int], stand_in: Child | None) -> int:
    """main(), then stop the stand-in use_bench_namespaces() started (if it did)."""
    try:
        return main()
    finally:
        if stand_in is not None:
            stand_in.stop()


def seed_bench(films: int, started: list[Child]) -> None:
    """Point at the bench namespaces and seed `films` films (200 users, 4,000 reviews) through the seed actors.

    Processes still running (the stand-in) are appended to `started`, for the caller to stop.
    """
    stand_in = use_bench_namespaces()
    if stand_in:
        started.append(stand_in)
    from cache import client
    from config import load

    bench = load()
    assert client.separate(bench), "benchmarks never empty Redis database 0 (on a cluster: set REDIS_PREFIX)"
    client.clear_sync(bench)  # no cached results from an earlier run
    subprocess.run([sys.executable, "-m", "stores.migrate"], check=True, capture_output=True)
    # The bench's queues take this run's RABBITMQ_QUEUE_TYPE (no worker serves them yet).
    subprocess.run([sys.executable, "-m", "actors.queues", "migrate"], check=True, capture_output=True)
    seeder = worker("seed-worker", "interactive default bulk", 1, 4)
    started.append(seeder)
    print(f"seeding {films:,} films ...", flush=True)
    subprocess.run([sys.executable, "-m", "seeds", f"--movies={films}", "--users=200", "--reviews=4000",
                    f"--timeout={900 + films // 20}"], check=True, capture_output=True)
    seeder.stop()
    started.remove(seeder)


def worker(name: str, queues: str, processes: int, threads: int, module: str = "actors") -> Child:
    """Dramatiq worker processes on the given queues."""
    return Child(name, [str(BIN / "dramatiq"), module, "--processes", str(processes), "--threads", str(threads),
                        "--queues", *queues.split(), "--worker-shutdown-timeout", "4000"])


def wait_for(url: str, seconds: float = 30) -> None:
    """Block until the URL answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


def percentile(values: list[float], pct: float) -> float:
    """The pct-th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))]


# Where a benchmark's CPU goes: every process on the machine, by role, from /proc (Linux only).
ROLES = (("rabbitmq", "beam.smp"), ("redis", "redis-server"), ("mongo", "secantusd"), ("postgres", "postgres"),
         ("mysql", "mariadbd"))


def _cpu_by_process() -> dict[int, tuple[int, float]]:
    """{pid: (process group, CPU seconds so far)} of every process that can be read."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry.name)] = (int(fields[2]), (int(fields[11]) + int(fields[12])) / ticks)
    return found


def _role(pid: int, group: int, groups: dict[int, str]) -> str:
    if pid == os.getpid():
        return "bench client"
    if group in groups:
        return groups[group]
    try:
        command = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    return next((role for role, marker in ROLES if marker in command), "other")


class CpuLedger:
    """CPU seconds spent by each role (the bench client, each Child by name, each service) between two marks."""

    def __init__(self, children: list[Child]) -> None:
        self.groups = {child.proc.pid: child.name for child in children if child.proc is not None}
        self.began = _cpu_by_process()

    def spent(self) -> dict[str, float]:
        """CPU seconds by role since the ledger was opened (processes that ended meanwhile are not counted)."""
        spent: dict[str, float] = {}
        for pid, (group, seconds) in _cpu_by_process().items():
            before = self.began.get(pid, (group, 0.0))[1]
            role = _role(pid, group, self.groups)
            spent[role] = spent.get(role, 0.0) + max(0.0, seconds - before)
        return spent


def print_cpu(title: str, spent: dict[str, float], requests: int) -> None:
    """One table of CPU milliseconds per request by role."""
    print(f"\nCPU per request, {title} (ms, over {requests:,} requests; 'other' is everything else on the machine)")
    for role, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        if seconds * 1000 / requests >= 0.005:
            print(f"  {role:<24}{seconds * 1000 / requests:>8.3f}")
    print(f"  {'all':<24}{sum(spent.values()) * 1000 / requests:>8.3f}")

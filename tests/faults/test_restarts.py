"""`make up` stopped (Ctrl-C) and at once started again, ten times in a row, on a stack of the test's own
(its data folder, ports, databases, Redis and RabbitMQ node): ready every time (`/readyz` 200 and both
workers taking messages), and nothing left running after the last stop; and a `make up` that fails at a
step stops the services it started."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.faults.servers import ThrowawayRabbitMQ, ThrowawayRedis
from tests.faults.stack import Stack, spare_port

ROUNDS = 10
WORKERS = ("worker.1", "bulk.1")


@pytest.fixture
def stack(tmp_path: Path, rabbit: ThrowawayRabbitMQ) -> Iterator[Stack]:
    """A stack of the test's own, with the fault tests' RabbitMQ node and a Redis of its own."""
    if rabbit.proc is None:
        rabbit.start()
    cache = ThrowawayRedis()
    cache.start()
    own = Stack(tmp_path, "updown", cache.url(), rabbit.url())
    own.env.update(PORT=str(spare_port()), SEED_ARGS="--movies 100 --users 10 --reviews 50")
    try:
        yield own
        own.down()
    finally:
        left = own.kill_left()
        cache.remove()
    assert not left, f"processes of the stack left behind: {left}"


def ready(base: str, make: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> float:
    """Wait until /readyz answers 200 and both workers take messages; the seconds it took.

    (Ctrl-C while a Dramatiq worker still boots is another matter: Dramatiq itself crashes then.)
    """
    began = time.monotonic()
    while True:
        assert make.poll() is None, "make up ended:\n" + log.read_text()[-3000:]
        if workers_ready(log):
            try:
                if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                    return time.monotonic() - began
            except httpx.HTTPError:
                pass
        assert time.monotonic() - began < timeout, "never ready:\n" + log.read_text()[-3000:]
        time.sleep(0.2)


def workers_ready(log: Path) -> bool:
    """Whether honcho's log shows each worker process ready for action."""
    lines = log.read_text(errors="replace").splitlines()
    return all(any(line.split("|")[0].split()[-1:] == [name] and "Worker process is ready for action" in line
                   for line in lines) for name in WORKERS)


# Ten rounds take about 30 s each on a busy machine, past the suite's 300 s; this bound is for a hang.
@pytest.mark.timeout(900)
def test_make_up_stopped_and_started_again_ten_times_is_ready_every_time_and_leaves_nothing_running(
    stack: Stack,
) -> None:
    base = f"http://127.0.0.1:{stack.env['PORT']}"
    timings = []
    for round_ in range(ROUNDS):
        log = stack.folder / f"up-{round_}.log"
        make = subprocess.Popen(["make", "up"], cwd=ROOT, env=stack.env, stdout=log.open("ab"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            took = ready(base, make, log)
        finally:
            os.killpg(make.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group
            stopped = time.monotonic()
            make.wait(timeout=60)
        timings.append((round(took, 1), round(time.monotonic() - stopped, 1)))
    print(f"(ready s, stop s) per round: {timings}")
    assert not stack.wait_no_processes(), "no process of the stack is left after the last stop"
    assert not (Path(stack.env["MOVIEVERSE_DATA"]) / "run" / "started.json").exists()


def test_make_up_that_fails_at_a_step_stops_the_services_it_started(tmp_path: Path) -> None:
    own = Stack(tmp_path, "upfails", os.environ["REDIS_URL"], os.environ["RABBITMQ_URL"])
    own.env.update(SEED_ARGS="--movies 0")  # refused by the seed step, after the services and the schemas
    try:
        done = subprocess.run(["make", "up"], cwd=ROOT, env=own.env, capture_output=True, text=True, timeout=300)
        assert done.returncode != 0, done.stdout
        assert "must be positive" in done.stderr, done.stderr
        assert "started the MongoDB stand-in" in done.stdout and "mongo      stopped" in done.stdout, done.stdout
        assert not own.wait_no_processes(), "no process of the stack is left after the failed step"
        assert not (Path(own.env["MOVIEVERSE_DATA"]) / "run" / "started.json").exists()
    finally:
        own.kill_left()

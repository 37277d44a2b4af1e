"""A seed interrupted at a random point of each stage, by Ctrl-C or by SIGKILL, then started again three
ways: as it is, after wiping MongoDB (`make clean-data`), and with a new seed run sent at once. Each ends with
the exact counts, credits linked both ways, and no write of a superseded run after the new run's first write.

The Procfile's `bulk` entry runs under honcho, on a stack of the test's own (`tests/faults/stack.py`).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pika
import pymongo
import pymysql
import pytest
import redis as redis_sync

from stores.mysql import _params as mysql_params
from tests.conftest import BIN, ROOT
from tests.faults.servers import ThrowawayRabbitMQ, ThrowawayRedis
from tests.faults.stack import Stack

SIZES = {"movies": 600, "users": 300, "reviews": 600}
STAGES = ("accounts", "profiles", "catalogue", "relations", "finish")
SIGNALS = (signal.SIGINT, signal.SIGKILL)
# How long after a chunk of the stage began writing the signal may come, at most: about a third
# of that stage's shortest chunk here, so the signal lands while the stage is still under way.
LATEST = {"accounts": 0.01, "profiles": 0.02, "catalogue": 0.5, "relations": 0.3, "finish": 0.05}
RUNS_PER_WAY = 3
PREFIX = "mv:seed:"
LEASES = "mv:seed-leases"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, rabbit: ThrowawayRabbitMQ) -> Iterator[Stack]:
    """The test's own stack, with the fault tests' RabbitMQ node and a Redis of its own."""
    if rabbit.proc is None:
        rabbit.start()
    cache = ThrowawayRedis()
    cache.start()
    own = Stack(tmp_path_factory.mktemp("seed-restarts"), "restarts", cache.url(), rabbit.url())
    try:
        own.up()
        yield own
        purge_bulk(own)
        own.down()
    finally:
        left = own.kill_left()
        cache.remove()
    assert not left, f"processes of the stack left behind: {left}"


@pytest.fixture
def honchos(stack: Stack) -> Iterator[list[Honcho]]:
    """The honchos a test starts; any still running when it ends are killed, tree and all."""
    started: list[Honcho] = []
    yield started
    for honcho in started:
        if honcho.proc.poll() is None:
            honcho.interrupt(signal.SIGKILL)


def purge_bulk(stack: Stack) -> None:
    """Empty the bulk queues (those that exist) of the stack's broker."""
    for queue in ("bulk", "bulk.DQ", "bulk.XQ"):
        with _channel(stack) as channel, contextlib.suppress(pika.exceptions.ChannelClosedByBroker):
            channel.queue_declare(queue, passive=True)
            channel.queue_purge(queue)


class _channel:
    def __init__(self, stack: Stack) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(stack.env["RABBITMQ_URL"]))

    def __enter__(self) -> Any:
        return self.connection.channel()

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def bulk_depth(stack: Stack) -> int:
    with _channel(stack) as channel:
        return int(channel.queue_declare("bulk", passive=True).method.message_count)


class Honcho:
    """`honcho start bulk`: the Procfile's bulk entry, as `make up` runs it."""

    def __init__(self, stack: Stack, label: str) -> None:
        self.log = stack.folder / f"{label}.log"
        self.proc = subprocess.Popen([str(BIN / "honcho"), "start", "bulk"], cwd=ROOT, env=stack.env,
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
        self.stack = stack

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until the worker process takes messages (Ctrl-C in the midst of Dramatiq's boot crashes Dramatiq)."""
        deadline = time.monotonic() + timeout
        while b"Worker process is ready for action" not in self.log.read_bytes():
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()[-2000:]
            time.sleep(0.05)

    def interrupt(self, sig: int) -> None:
        """Ctrl-C (SIGINT to honcho's group, as a terminal sends it) or SIGKILL to every process of the tree."""
        if sig == signal.SIGINT:
            self.wait_ready()
        tree = self.stack.processes_of(self.proc.pid)
        if sig == signal.SIGINT:
            os.killpg(self.proc.pid, signal.SIGINT)
            self.proc.wait(timeout=20)
        else:
            for pid in [*tree, self.proc.pid]:
                with _quiet():
                    os.kill(pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        left = self.stack.wait_gone(tree)
        assert not left, f"processes left behind after {signal.Signals(sig).name}: {left}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.interrupt(signal.SIGINT)


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, *rest: object) -> bool:
        return kind is ProcessLookupError


def seed(stack: Stack, *extra: str) -> str | None:
    """`python -m seeds --no-wait` with the test's sizes; the run it sent (None when --if-empty found data)."""
    out = stack.python("-m", "seeds", *(f"--{k}={v}" for k, v in SIZES.items()), "--no-wait", *extra).stdout
    found = re.search(r"seed run ([0-9a-f]{32})", out)
    return found[1] if found else None


def run_state(cache: Any, run_id: str) -> dict[str, Any]:
    """A run's progress hash, and per planned stage its chunk count and chunks done."""
    raw = {k.decode(): v.decode() for k, v in cache.hgetall(PREFIX + run_id).items()}
    stages = {}
    for stage in STAGES:
        if f"chunks:{stage}" in raw:
            stages[stage] = (int(raw[f"chunks:{stage}"]), cache.scard(f"{PREFIX}{run_id}:chunks:{stage}"))
    return {"status": raw.get("status"), "stages": stages}


def complete(cache: Any, run_id: str, stage: str) -> bool:
    """Whether every chunk of the stage is done (a run that is done has every stage complete)."""
    state = run_state(cache, run_id)
    if state["status"] == "done":
        return True
    total, done = state["stages"].get(stage, (0, 0))
    return total > 0 and done >= total


def writing(cache: Any, run_id: str, stage: str) -> bool:
    """Whether a chunk of the stage holds its lease (it is writing right now)."""
    return any(name.startswith(f"{run_id}/{stage}:".encode()) for name in cache.hkeys(LEASES))


def strike(cache: Any, run_id: str, stage: str, rng: random.Random) -> bool:
    """Wait for a random chunk of the stage to be writing, then a random part of it; whether the stage is
    still under way then (the signal follows at once)."""
    deadline = time.monotonic() + 120
    while stage not in run_state(cache, run_id)["stages"] and not complete(cache, run_id, stage):
        assert time.monotonic() < deadline, f"the run never reached {stage}: {run_state(cache, run_id)}"
    total, _ = run_state(cache, run_id)["stages"].get(stage, (1, 0))
    before, polls = rng.randrange(total), 0
    # Polled without a pause: the short stages last a few tens of milliseconds here.
    while before and run_state(cache, run_id)["stages"][stage][1] < before:
        assert time.monotonic() < deadline, f"{stage} never got to chunk {before}: {run_state(cache, run_id)}"
    while not writing(cache, run_id, stage):
        if (polls := polls + 1) % 20 == 0 and complete(cache, run_id, stage):
            return False
        assert time.monotonic() < deadline, f"no chunk of {stage} was seen writing: {run_state(cache, run_id)}"
    time.sleep(rng.uniform(0, LATEST[stage]))
    return not complete(cache, run_id, stage)


def wait_done(cache: Any, run_id: str, timeout: float = 240) -> float:
    """Wait for the run to finish; the seconds it took."""
    began = time.monotonic()
    while run_state(cache, run_id)["status"] != "done":
        assert time.monotonic() - began < timeout, f"run {run_id} unfinished: {run_state(cache, run_id)}"
        time.sleep(0.2)
    return time.monotonic() - began


def write_window(cache: Any, run_id: str) -> tuple[float, float] | None:
    """When a run's first counted chunk began writing, and its last ended (from its per-store spans)."""
    spans = cache.zrange(f"{PREFIX}{run_id}:spans", 0, -1, withscores=True)
    starts = [at for name, at in spans if name.startswith(b"start:")]
    ends = [at for name, at in spans if name.startswith(b"end:")]
    return (min(starts), max(ends)) if starts else None


async def check_final(stack: Stack, cache: Any, live: str, others: list[str]) -> None:
    """Exact counts, credits both ways, statistics, and no write of a superseded run after the live run's first."""
    db: Any = pymongo.MongoClient(stack.env["MONGO_URL"]).get_default_database()
    assert db.movies.count_documents({}) == SIZES["movies"]
    assert db.genres.count_documents({}) == 7
    movie_side = {(c["person_id"], m["_id"]) for m in db.movies.find({}, {"cast": 1, "crew": 1})
                  for c in m["cast"] + m["crew"]}
    person_side = {(p["_id"], c["movie_id"]) for p in db.people.find({}, {"credits": 1})
                   for c in p["credits"]["cast"] + p["credits"]["crew"]}
    assert movie_side and movie_side == person_side, "credits are linked both ways"
    assert db.people.count_documents({}) == len({person for person, _ in movie_side})

    mysql = pymysql.connect(**_mysql(stack.env["MYSQL_URL"]))
    try:
        with mysql.cursor() as cur:
            cur.execute("SELECT COUNT(*), COUNT(DISTINCT user_id, movie_id) FROM reviews")
            assert cur.fetchone() == (SIZES["reviews"], SIZES["reviews"])
            cur.execute("SELECT COUNT(*) FROM rating_stats s WHERE s.review_count <> "
                        "(SELECT COUNT(*) FROM reviews r WHERE r.movie_id = s.movie_id)")
            assert cur.fetchone() == (0,), "rating statistics agree with the reviews"
    finally:
        mysql.close()
    profiles = httpx.get(f"http://127.0.0.1:{stack.firebase_port}/profiles.json").json()
    assert len([p for p in (profiles.values() if isinstance(profiles, dict) else profiles) if p]) == SIZES["users"]

    first = write_window(cache, live)
    assert first is not None
    for run_id in others:
        window = write_window(cache, run_id)
        if window is not None:
            assert window[1] <= first[0], f"superseded run {run_id} wrote {window[1] - first[0]:.2f} s " \
                                          "after the new run's first write"
    time.sleep(1.0)
    assert bulk_depth(stack) == 0, "nothing of any run is left in the bulk queue"
    assert not cache.hgetall("mv:seed-leases"), "no chunk holds a lease"


def _mysql(url: str) -> dict[str, Any]:
    params = dict(mysql_params(url))
    params["database"] = params.pop("db")
    return params


def restart(stack: Stack, how: str, honchos: list[Honcho], label: str) -> str | None:
    """Start again: as it is, after `make clean-data`, or with a new seed run sent at once; the new run, if any."""
    if how == "after wiping MongoDB":
        stack.down()
        stack.python("-m", "seeds", "--forget")
        shutil.rmtree(Path(stack.env["MOVIEVERSE_DATA"]) / "mongo")
        stack.up()
    new = seed(stack, "--if-empty") if how == "after wiping MongoDB" else None
    # The next strike watches the stage from the moment honcho starts: a short stage may be over
    # by the time the worker says it is ready.
    honchos.append(Honcho(stack, label))
    if how == "with a new run at once":
        honchos[-1].wait_ready()
        new = seed(stack)
    return new


async def wipe(stack: Stack, cache: Any) -> None:
    """Empty every store and the queue: each run of a way starts from nothing."""
    purge_bulk(stack)
    cache.flushdb()
    pymongo.MongoClient(stack.env["MONGO_URL"]).drop_database(f"movieverse_{stack.name}")
    mysql = pymysql.connect(**_mysql(stack.env["MYSQL_URL"]))
    with mysql.cursor() as cur:
        cur.execute("DELETE FROM reviews")
        cur.execute("DELETE FROM rating_stats")
    mysql.commit()
    mysql.close()
    conn = await asyncpg.connect(stack.env["POSTGRES_URL"])
    await conn.execute("TRUNCATE users CASCADE")
    await conn.close()
    httpx.delete(f"http://127.0.0.1:{stack.firebase_port}/profiles.json")
    stack.python("-m", "stores.migrate")


# Not yet reliable (issue 16 stays open): the short stages of a 600-film seed are sometimes over before a
# signal lands, and a stack's processes were once left behind. Run with `make test PYTEST_ARGS='-m unstable'`.
@pytest.mark.unstable
@pytest.mark.parametrize("how", ["as it is", "after wiping MongoDB", "with a new run at once"])
async def test_a_seed_interrupted_in_every_stage_ends_with_exact_counts_and_no_late_superseded_write(
    stack: Stack, honchos: list[Honcho], how: str,
) -> None:
    cache = redis_sync.Redis.from_url(stack.env["REDIS_URL"])
    rng = random.Random()
    pending, hits, interrupts = list(STAGES), list[tuple[str, str]](), 0
    for attempt in range(RUNS_PER_WAY):
        await wipe(stack, cache)
        first = seed(stack)
        assert first is not None
        runs = [first]
        honchos.append(honcho := Honcho(stack, f"{how}-{attempt}-0"))
        began = time.monotonic()
        # One signal per stage not yet struck, at a random point of it; a stage this run has already
        # passed (the signal came too late) is struck in the next run of this way.
        while ahead := [stage for stage in pending if not complete(cache, _live(runs), stage)]:
            stage, sig = ahead[0], SIGNALS[interrupts % 2]
            if strike(cache, _live(runs), stage, rng):
                pending.remove(stage)
                hits.append((stage, signal.Signals(sig).name))
            interrupts += 1
            honcho.interrupt(sig)
            if new := restart(stack, how, honchos, f"{how}-{attempt}-{interrupts}"):
                runs.append(new)
            honcho = honchos[-1]
        last = wait_done(cache, _live(runs))
        honcho.stop()
        print(f"{how}, run {attempt}: {interrupts} interrupts so far, struck {hits}; "
              f"the last run took {last:.1f} s, all {time.monotonic() - began:.1f} s")
        await check_final(stack, cache, _live(runs), runs[:-1])
        if not pending:
            break
    assert not pending, f"in {RUNS_PER_WAY} runs no signal came while these stages were under way: {pending}"


def _live(runs: list[str]) -> str:
    return runs[-1]

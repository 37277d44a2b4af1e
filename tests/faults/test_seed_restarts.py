"""A seed interrupted in each stage, by Ctrl-C or by SIGKILL, then started again three ways: as it is, after
wiping MongoDB (`make clean-data`), and with a new seed run sent at once. Each ends with the exact counts,
credits linked both ways, and no write of a superseded run after the new run's first write.

The signal comes from what the test sees, not from a delay: it waits for a chunk of the stage, picked at
random, to take its lease (the chunk is writing), signals at once, and reads after the signal was sent
that the stage was still under way. A chunk that began and ended between two looks is found among the
stage's chunks done, and the aim moves on to the next chunk of the stage not done yet; a stage over
before any of its chunks was seen writing fails the test, as does a signal that missed its stage. The
Procfile's `bulk` entry runs under honcho, on a stack of the test's own (`tests/faults/stack.py`).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pika
import pymongo
import pymysql
import pytest
import redis as redis_sync

from actors.seeding.plan import chunks
from cache import keys
from seeds import films, library, reviews
from seeds.plan import make_spec
from stores.mysql import _params as mysql_params
from tests.conftest import BIN, ROOT
from tests.faults.servers import ThrowawayRabbitMQ, ThrowawayRedis
from tests.faults.stack import Stack

# A few thousand films (two catalogue chunks, each writing for seconds); 3,000 users make the short stages
# several chunks long (three of accounts, two of profiles, fifteen of reviews).
SIZES = {"movies": 3000, "users": 3000, "reviews": 6000}
STAGES = ("accounts", "profiles", "catalogue", "relations", "finish")
WAYS = ("as it is", "after wiping MongoDB", "with a new run at once")
SIGNALS = (signal.SIGINT, signal.SIGKILL)
# Chunks a signal may be aimed at: those whose rows grow with the seed. The fixed genres and settings
# chunks write in a few milliseconds, too short to be seen writing for sure.
AIMED = ("users", "profiles", "movies", "reviews", "library", "people", "finish")
LEASES = keys.SEED_LEASES
LIVE = keys.SEED_LIVE
MARK = "MOVIEVERSE_TEST_TREE"


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
        # `dev.services stop` kills what is left of a service's group without waiting for it to go.
        left = own.wait_no_processes()
        own.kill_left()
        cache.remove()
    assert not left, f"processes of the stack left behind: {left}"


@pytest.fixture
def honchos(stack: Stack) -> Iterator[list[Honcho]]:
    """The honchos a test starts; whatever of their trees still runs when it ends (it failed) is killed."""
    started: list[Honcho] = []
    yield started
    left = {honcho.label: honcho.kill_tree() for honcho in started}
    assert not any(left.values()), f"processes of honcho that outlived SIGKILL: {left}"


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


def marked(mark: str) -> list[int]:
    """The processes (zombies aside) whose environment carries this tree's mark."""
    entry = f"{MARK}={mark}".encode()
    found = []
    for path in Path("/proc").iterdir():
        if path.name.isdigit() and int(path.name) != os.getpid():
            with contextlib.suppress(OSError, IndexError):
                if entry in (path / "environ").read_bytes().split(b"\0") and _state(path) not in ("Z", "X"):
                    found.append(int(path.name))
    return found


def _carries(pid: int, mark: str) -> bool:
    try:
        return f"{MARK}={mark}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def _state(path: Path) -> str:
    return (path / "stat").read_text().rsplit(")", 1)[1].split()[0]


class Honcho:
    """`honcho start bulk`: the Procfile's bulk entry, as `make up` runs it.

    Every process of its tree carries a mark in its environment, so the tree is found whole
    even where it leaves honcho's process group: honcho starts each Procfile entry in a session
    of its own, and a process whose parent was killed is handed to init.
    """

    def __init__(self, stack: Stack, label: str) -> None:
        self.label, self.mark = label, uuid.uuid4().hex
        self.log = stack.folder / f"{label}.log"
        env = dict(stack.env, **{MARK: self.mark})
        self.proc = subprocess.Popen([str(BIN / "honcho"), "start", "bulk"], cwd=ROOT, env=env,
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until the worker process takes messages (Ctrl-C in the midst of Dramatiq's boot crashes Dramatiq)."""
        deadline = time.monotonic() + timeout
        while b"Worker process is ready for action" not in self.log.read_bytes():
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()[-2000:]
            time.sleep(0.002)

    def signal(self, sig: int) -> None:
        """Ctrl-C (SIGINT to honcho's group, as a terminal sends it), or SIGKILL to every process of the tree.

        SIGKILL goes first to the groups of the Procfile entry and of honcho, two calls with no search,
        then to anything else still carrying the mark.
        """
        if sig == signal.SIGINT:
            os.killpg(self.proc.pid, signal.SIGINT)
            return
        for group in (*self.entry_groups(), self.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        left = self.kill_tree()
        assert not left, f"the tree of {self.label} outlived SIGKILL: {left}"

    def entry_groups(self) -> list[int]:
        """The process groups honcho started the Procfile entry in (it says their pids), while they carry the mark."""
        pids = [int(pid) for pid in re.findall(rb"started \(pid=(\d+)\)", self.log.read_bytes())]
        return [pid for pid in pids if _carries(pid, self.mark)]

    def wait_stopped(self, sig: int) -> None:
        """Wait for honcho and every process of its tree to be gone."""
        self.proc.wait(timeout=30)
        deadline = time.monotonic() + 20
        while (left := marked(self.mark)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not left, f"processes left behind after {signal.Signals(sig).name}: {left}"

    def stop(self) -> None:
        """Ctrl-C, once the worker is ready, and wait until nothing of the tree is left."""
        self.wait_ready()
        self.signal(signal.SIGINT)
        self.wait_stopped(signal.SIGINT)

    def kill_tree(self, timeout: float = 10) -> list[int]:
        """SIGKILL every process of the tree until none is left (one forked meanwhile is found by the next pass);
        the processes still there at the deadline.

        Each process is signalled through a pidfd opened while it still carried the mark, so a pid
        reused in between is never hit.
        """
        deadline = time.monotonic() + timeout
        while (pids := marked(self.mark)) and time.monotonic() < deadline:
            for pid in pids:
                with contextlib.suppress(OSError):
                    handle = os.pidfd_open(pid)
                    try:
                        if _carries(pid, self.mark):
                            signal.pidfd_send_signal(handle, signal.SIGKILL)
                    finally:
                        os.close(handle)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=1)
        return pids


class Seeding:
    """`python -m seeds --no-wait` with the test's sizes, running; its run is known as soon as it is recorded."""

    def __init__(self, stack: Stack, cache: Any, *extra: str) -> None:
        self.before = set(cache.keys(keys.job_pattern()))
        self.cache = cache
        self.proc = subprocess.Popen([sys.executable, "-m", "seeds", *(f"--{k}={v}" for k, v in SIZES.items()),
                                      "--no-wait", *extra], cwd=ROOT, env=stack.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)

    def run_id(self, timeout: float = 60) -> str:
        """The run it starts, once its job is recorded (before its first message is sent)."""
        deadline = time.monotonic() + timeout
        while not (new := set(self.cache.keys(keys.job_pattern())) - self.before):
            assert self.proc.poll() is None and time.monotonic() < deadline, self.output()
            time.sleep(0.002)
        (key,) = new
        return keys.job_of(key.decode())

    def output(self) -> str:
        """What it printed, once it ended (successfully)."""
        out, _ = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, out
        return out


def seed(stack: Stack, cache: Any, *extra: str) -> str | None:
    """Send a seed run and wait for the command to end; the run (None when --if-empty found data)."""
    found = re.search(r"seed run ([0-9a-f]{32})", Seeding(stack, cache, *extra).output())
    return found[1] if found else None


def stage_chunks(stage: str) -> list[str]:
    """The chunks of one stage, in the order they are sent, as leases and progress name them."""
    spec = make_spec(SIZES["movies"], SIZES["users"], SIZES["reviews"])
    return [f"{kind}:{start}:{end}" for kind, start, end in chunks(spec, stage)]


def aims(stage: str) -> list[str]:
    """The chunks a signal may be aimed at: those whose rows grow with the seed, and in a stage of several
    such chunks not the last, so the stage outlasts the aimed chunk by at least one more chunk."""
    growing = [name for name in stage_chunks(stage) if name.split(":")[0] in AIMED]
    return growing[:-1] or growing


def run_state(cache: Any, run_id: str) -> dict[str, Any]:
    """A run's progress hash, and per planned stage its chunk count and chunks done."""
    raw = {k.decode(): v.decode() for k, v in cache.hgetall(keys.seed_run(run_id)).items()}
    stages = {}
    for stage in STAGES:
        if f"chunks:{stage}" in raw:
            stages[stage] = (int(raw[f"chunks:{stage}"]), cache.scard(keys.seed_chunks(run_id, stage)))
    return {"status": raw.get("status"), "stages": stages}


def stage_under_way(cache: Any, run_id: str, stage: str) -> bool:
    """Whether the stage is planned and some chunk of it not done yet."""
    total, done = run_state(cache, run_id)["stages"].get(stage, (0, 0))
    return done < total


def await_chunk(cache: Any, run_id: str, stage: str, chunk: str, leases: bool, timeout: float = 120) -> str | None:
    """Wait until the chunk is writing (it holds its lease); the chunk seen writing.

    A chunk of a few hundred rows can begin and end between two looks on a busy machine; it is then
    found among the stage's chunks done, and the aim moves to the next chunk of the stage not done
    yet. Once every chunk of the stage is done, none was seen writing and the test fails.

    Without leases (the seeding before issue 16) there is no writing to see: wait instead until the
    stage is planned and every chunk before this one is done; None when the stage was already over,
    or did not come within the time, so that such a run still reaches the final checks.
    """
    done_key, names = keys.seed_chunks(run_id, stage), stage_chunks(stage)
    deadline, aimed, missed = time.monotonic() + timeout, chunk, []
    while True:
        if leases:
            with cache.pipeline(transaction=False) as pipe:
                pipe.hexists(LEASES, f"{run_id}/{stage}:{chunk}").sismember(done_key, chunk)
                holding, finished = pipe.execute()
            if holding and not finished:
                return chunk
            if finished:
                missed.append(chunk)
                done = {name.decode() for name in cache.smembers(done_key)}
                after = names.index(chunk) + 1
                pending = [name for name in names[after:] + names[:after] if name not in done]
                assert pending, f"the {stage} stage was over before a chunk of it was seen writing " \
                                f"(aimed at {aimed}; done unseen: {missed})"
                chunk = pending[0]
                continue
            assert time.monotonic() < deadline, f"{stage} chunk {chunk} never began: {run_state(cache, run_id)}; " \
                                                f"leases held: {sorted(cache.hkeys(LEASES))}"
            time.sleep(0.002)
        else:
            total, done_count = run_state(cache, run_id)["stages"].get(stage, (0, 0))
            if total and names.index(chunk) <= done_count < total:
                return chunk
            if (total and done_count >= total) or time.monotonic() > deadline:
                return None


def wait_done(cache: Any, run_id: str, timeout: float = 240) -> float:
    """Wait for the run to finish; the seconds it took."""
    began = time.monotonic()
    while run_state(cache, run_id)["status"] != "done":
        assert time.monotonic() - began < timeout, f"run {run_id} unfinished: {run_state(cache, run_id)}"
        time.sleep(0.2)
    return time.monotonic() - began


def write_window(cache: Any, run_id: str) -> tuple[float, float] | None:
    """When a run's first counted chunk began writing, and its last ended (from its per-store spans)."""
    spans = cache.zrange(keys.seed_spans(run_id), 0, -1, withscores=True)
    starts = [at for name, at in spans if name.startswith(b"start:")]
    ends = [at for name, at in spans if name.startswith(b"end:")]
    return (min(starts), max(ends)) if starts else None


async def check_final(stack: Stack, cache: Any, runs: list[str]) -> None:
    """Exact counts, credits both ways, statistics, and no write of a run after the first write of a later one."""
    windows = [write_window(cache, run_id) for run_id in runs]
    assert windows[-1] is not None, "the last run wrote"
    for number, later in enumerate(windows[1:], start=1):
        if later is None:
            continue
        for run_id, earlier in zip(runs[:number], windows[:number], strict=True):
            if earlier is not None:
                assert earlier[1] <= later[0], f"superseded run {run_id} wrote {earlier[1] - later[0]:.2f} s " \
                                               f"after the first write of run {runs[number]}"

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
            cur.execute("SELECT (SELECT COUNT(*) FROM shelf_items) + (SELECT COUNT(*) FROM diary_entries)"
                        " + (SELECT COUNT(*) FROM lists) + (SELECT COUNT(*) FROM list_items)")
            assert cur.fetchone() == (planned_library_rows(),), "every library row once"
    finally:
        mysql.close()
    conn = await asyncpg.connect(stack.env["POSTGRES_URL"])
    try:
        assert await conn.fetchval("SELECT COUNT(*) FROM users") == SIZES["users"]
    finally:
        await conn.close()
    profiles = httpx.get(f"http://127.0.0.1:{stack.firebase_port}/profiles.json").json()
    assert len([p for p in (profiles.values() if isinstance(profiles, dict) else profiles) if p]) == SIZES["users"]

    time.sleep(1.0)
    assert bulk_depth(stack) == 0, "nothing of any run is left in the bulk queue"
    assert not cache.hgetall(LEASES), "no chunk holds a lease"


def planned_library_rows() -> int:
    """The library rows the seed draws for SIZES, whatever the run's moment."""
    table = reviews.film_table(tuple(films.films_between(1, SIZES["movies"] + 1)))
    plan = reviews.review_plan(SIZES["users"], SIZES["reviews"], len(table.films))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return sum(library.user_library(u, reviews.user_reviews(u, plan[u - 1], table, now), table, now).rows()
               for u in range(1, SIZES["users"] + 1))


def _mysql(url: str) -> dict[str, Any]:
    params = dict(mysql_params(url))
    params["database"] = params.pop("db")
    return params


def clean_data(stack: Stack) -> None:
    """`make clean-data`: the seed progress in Redis forgotten (where the seeds command can), MongoDB's files gone."""
    stack.down()
    if "--forget" in stack.python("-m", "seeds", "--help").stdout:
        stack.python("-m", "seeds", "--forget")
    shutil.rmtree(Path(stack.env["MOVIEVERSE_DATA"]) / "mongo")
    stack.up()


def restart(stack: Stack, cache: Any, how: str, honchos: list[Honcho], sent: list[Seeding], label: str) -> str | None:
    """Start again: as it is, after `make clean-data`, or with a new seed run sent at once; the new run, if any."""
    new = None
    if how == "after wiping MongoDB":
        clean_data(stack)
        new = seed(stack, cache, "--if-empty")
        assert new is not None, "the wiped stores were seeded again"
    honchos.append(Honcho(stack, label))
    if how == "with a new run at once":
        # Sent once the worker takes messages, so chunks of the interrupted run may be writing when it comes.
        honchos[-1].wait_ready()
        sent.append(Seeding(stack, cache))
        new = sent[-1].run_id()
    return new


async def wipe(stack: Stack, cache: Any) -> None:
    """Empty every store and the queue: each way starts from nothing."""
    purge_bulk(stack)
    cache.flushdb()
    pymongo.MongoClient(stack.env["MONGO_URL"]).drop_database(f"movieverse_{stack.name}")
    mysql = pymysql.connect(**_mysql(stack.env["MYSQL_URL"]))
    with mysql.cursor() as cur:
        for table in ("reviews", "rating_stats", "shelf_items", "diary_entries", "lists", "list_items"):
            cur.execute(f"DELETE FROM {table}")
    mysql.commit()
    mysql.close()
    conn = await asyncpg.connect(stack.env["POSTGRES_URL"])
    await conn.execute("TRUNCATE users CASCADE")
    await conn.close()
    httpx.delete(f"http://127.0.0.1:{stack.firebase_port}/profiles.json")
    stack.python("-m", "stores.migrate")


# On a busy machine one way takes longer than the suite's 300 s; this bound is for a hang.
@pytest.mark.timeout(900)
@pytest.mark.parametrize("how", WAYS)
async def test_a_seed_interrupted_in_every_stage_ends_with_exact_counts_and_no_late_superseded_write(
    stack: Stack, honchos: list[Honcho], how: str,
) -> None:
    cache = redis_sync.Redis.from_url(stack.env["REDIS_URL"])
    rng = random.Random()
    await wipe(stack, cache)
    first = seed(stack, cache)
    assert first is not None
    runs = [first]
    leases = bool(cache.exists(LIVE))
    honchos.append(Honcho(stack, f"{how}-0"))
    began, struck, sent = time.monotonic(), [], list[Seeding]()
    for number, stage in enumerate(STAGES, start=1):
        sig = SIGNALS[(number + WAYS.index(how)) % 2]
        chunk = rng.choice(aims(stage))
        honcho = honchos[-1]
        seen = await_chunk(cache, runs[-1], stage, chunk, leases, timeout=120 if leases else 30)
        if seen is None:
            struck.append(f"{stage} not struck (no leases to watch, and the stage was over or did not come)")
            continue
        aimed, chunk = chunk, seen
        if sig == signal.SIGINT:
            honcho.wait_ready()
        honcho.signal(sig)
        assert stage_under_way(cache, runs[-1], stage), \
            f"the {signal.Signals(sig).name} aimed at {stage} chunk {chunk} came after it was done"
        honcho.wait_stopped(sig)
        moved = "" if chunk == aimed else f" (aimed at {aimed}, done unseen)"
        struck.append(f"{stage} {chunk} {signal.Signals(sig).name}{moved}")
        if new := restart(stack, cache, how, honchos, sent, f"{how}-{number}"):
            runs.append(new)
    last = wait_done(cache, runs[-1])
    for seeding in sent:
        seeding.output()
    honchos[-1].stop()
    print(f"\n{how}: struck {struck}; the last run took {last:.1f} s, all {time.monotonic() - began:.1f} s")
    await check_final(stack, cache, runs)

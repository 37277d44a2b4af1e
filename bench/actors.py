"""Actor benchmark: bare Dramatiq vs MovieVerse's round trip (HTTP -> RabbitMQ -> actor -> Redis -> HTTP).

    .venv/bin/python bench/actors.py [--requests 2000] [--clients 16] [--processes 1] [--threads 4]

Self-contained: it uses the bench namespaces (and a fresh in-memory MongoDB stand-in unless MONGO_URL is set),
seeds 5,000 films through the seed actors, then in one run measures, with the same worker processes and
threads and the same number of concurrent clients:

- bare: each client sends a message to an async no-op actor (bench/bare_actors.py) and waits for the key it
  writes to Redis (BLPOP);
- round trip: each client asks `GET /api/search/?q=<a title not asked before>` (a cache miss each time), which
  the front door turns into a job, a message, a worker's search and a result read back from Redis;
- warm p50: the same round trip one request at a time, after a warm-up.

It prints throughput, p50/p99, the ratios and the RabbitMQ server's CPU per request (ms, all its processes).
Goals: warm round trip p50 <= 10 ms; throughput >= 0.8x bare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Child, cpu_seconds, free_port, percentile, seed_bench, wait_for, worker


async def clients(count: int, concurrency: int, one: Any) -> tuple[float, list[float]]:
    """Run `one(i)` for i in range(count) with `concurrency` at once; (seconds, latencies in ms)."""
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def client() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            began = time.perf_counter()
            await one(i)
            latencies.append((time.perf_counter() - began) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


async def bare(count: int, concurrency: int, warm: int = 50) -> tuple[float, list[float]]:
    """The no-op actor round trip through RabbitMQ and Redis (after `warm` trips not measured)."""
    from redis.asyncio import Redis

    from bench.bare_actors import noop
    from config import get_settings

    pool = Redis.from_url(get_settings().redis_url.reveal(), max_connections=concurrency * 2)
    run = uuid.uuid4().hex

    async def one(i: int) -> None:
        key = f"bench:bare:{run}:{i}"
        await asyncio.to_thread(noop.send, key)
        if await pool.blpop([key], timeout=30) is None:
            raise SystemExit("the bare actor did not answer")

    try:
        for i in range(warm):
            await one(-1 - i)
        return await clients(count, concurrency, one)
    finally:
        await pool.aclose()


async def round_trip(base: str, queries: list[str], concurrency: int) -> tuple[float, list[float]]:
    """Uncached searches through the whole system; each must come back 200 within the wait."""
    import aiohttp

    late = missed = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def one(i: int) -> None:
            nonlocal late, missed
            async with session.get(f"{base}/api/search/", params={"q": queries[i], "type": "movie"}) as response:
                body = await response.read()
                if response.status == 202:
                    late += 1
                elif response.status != 200:
                    raise SystemExit(f"search answered {response.status}")
                elif orjson.loads(body)["count"] == 0:
                    missed += 1

        outcome = await clients(len(queries), concurrency, one)
    if late:
        print(f"  ({late} of {len(queries)} searches took longer than the wait and answered 202)")
    if missed:
        raise SystemExit(f"{missed} of {len(queries)} searches for a film's own title found nothing")
    return outcome


async def titles(count: int) -> list[str]:
    """Distinct film titles from the bench catalogue, to search for."""
    from config import get_settings
    from stores import mongo

    db = await mongo.connect(get_settings())
    try:
        found: list[str] = []
        async for doc in db.movies.find({}, {"title": 1}).sort("_id", 1):
            title = doc["title"]
            if title and re.fullmatch(r"[A-Za-z][A-Za-z0-9 ':,.&-]{2,60}", title) and title not in found:
                found.append(title)
            if len(found) >= count:
                break
        return found
    finally:
        await mongo.close(db)


def forget_bare_queues() -> None:
    """Delete the bare actor's queues (the benchmark's own), so they are declared with this run's queue type."""
    import pika

    from actors.broker import amqp_urls
    from bench.bare_actors import QUEUE
    from config import get_settings

    connection = pika.BlockingConnection([pika.URLParameters(url) for url in amqp_urls(get_settings())])
    try:
        channel = connection.channel()
        for name in (QUEUE, f"{QUEUE}.DQ", f"{QUEUE}.XQ"):
            channel.queue_delete(name)
    finally:
        connection.close()


def broker_cpu() -> float:
    """CPU seconds (user and system) the RabbitMQ server's processes (those of the `rabbitmq` user) used so far;
    0 where there is no such user."""
    import pwd

    try:
        uid = pwd.getpwnam("rabbitmq").pw_uid
    except KeyError:
        return 0.0
    return cpu_seconds(lambda stat, _: stat.stat().st_uid == uid)


def row(name: str, seconds: float, latencies: list[float], base_rate: float | None, broker: float = 0.0) -> float:
    """Print one line of the table (with RabbitMQ's CPU per request, if measured); returns the rate."""
    rate = len(latencies) / seconds
    ratio = f"{rate / base_rate:8.2f}" if base_rate else f"{1:8.2f}"
    per = f"{broker * 1000 / len(latencies):>14.3f}" if broker else ""
    print(f"{name:<34}{rate:>10,.0f}{percentile(latencies, 50):>10.2f}{percentile(latencies, 99):>10.2f}{ratio}{per}")
    return rate


def main() -> int:
    """Seed, then measure bare, the round trip and the warm p50."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--films", type=int, default=5000)
    args = parser.parse_args()
    started: list[Child] = []
    try:
        seed_bench(args.films, started)
        queries = asyncio.run(titles(args.requests + 100))
        if len(queries) < args.requests + 100:
            raise SystemExit("not enough distinct titles; seed more films")

        from config import get_settings

        print(f"bare Dramatiq ({args.processes} processes x {args.threads} threads, {args.clients} clients, "
              f"{get_settings().rabbitmq_queue_type} queues on both sides) ...", flush=True)
        forget_bare_queues()  # of the type an earlier run declared; this run declares them again
        bare_workers = worker("bare-worker", "bench_bare", args.processes, args.threads, "bench.bare_actors")
        started.append(bare_workers)
        began = broker_cpu()
        bare_seconds, bare_latencies = asyncio.run(bare(args.requests, args.clients))
        bare_broker = broker_cpu() - began
        bare_workers.stop()
        started.remove(bare_workers)

        print("MovieVerse round trip ...", flush=True)
        port = free_port()
        os.environ.update(PORT=str(port), WEB_CONCURRENCY="1", RESULT_WAIT_SECONDS="5")
        started.append(worker("worker", "interactive default", args.processes, args.threads))
        started.append(Child("web", [sys.executable, "-m", "front.server"]))
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        asyncio.run(round_trip(base, queries[-100:-50], 4))
        began = broker_cpu()
        trip_seconds, trip_latencies = asyncio.run(round_trip(base, queries[: args.requests], args.clients))
        trip_broker = broker_cpu() - began
        warm_seconds, warm_latencies = asyncio.run(round_trip(base, queries[-50:], 1))
    finally:
        for child in reversed(started):
            child.stop()

    print(f"\n{'':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'ratio':>8}{'RabbitMQ ms':>14}")
    bare_rate = row("bare Dramatiq + Redis", bare_seconds, bare_latencies, None, bare_broker)
    row("MovieVerse search round trip", trip_seconds, trip_latencies, bare_rate, trip_broker)
    row("  one at a time (warm)", warm_seconds, warm_latencies, None)
    p50 = percentile(warm_latencies, 50)
    print(f"\nwarm round trip p50 {p50:.2f} ms (goal <= 10 ms): {'met' if p50 <= 10 else 'not met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

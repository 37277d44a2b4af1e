"""Lists keep answering 200 when the catalogue index cannot: RabbitMQ stopped, or no interactive worker."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import httpx
import redis as sync_redis

from cache import keys
from config import load
from front.workers.discover import FALLBACK_SECONDS
from tests.conftest import start_server
from tests.faults.conftest import start_entry, wait_until
from tests.faults.servers import ThrowawayRabbitMQ, ThrowawayRedis

SIZES = itertools.count(1)


def from_index(client: httpx.Client, cache: sync_redis.Redis) -> bool:
    """Ask for a page no cache holds; whether the worker's index answered it (its result is in Redis)."""
    size = 1 + next(SIZES) % 99
    sort = f"-votes&min_votes={next(SIZES)}"
    response = client.get(f"/api/movies/?sort={sort}&page_size={size}")
    assert response.status_code == 200, response.text
    version = int(cache.get(keys.CATALOGUE_VERSION) or 0)
    params = {"f": {"votes": [int(sort.split("=")[1]), None]}, "sort": "-votes", "skip": 0, "limit": size,
              "ttl": load().cache_ttl_seconds, "v": version}
    return bool(cache.exists(keys.result(keys.work_key("movies", params))))


def test_lists_answer_from_mongodb_while_the_broker_or_the_workers_are_away_then_from_the_index_again(
    logs: Path, seeded: str, broker: ThrowawayRabbitMQ, own_redis: ThrowawayRedis
) -> None:
    env = {"RABBITMQ_URL": broker.url(), "REDIS_URL": own_redis.url()}
    worker = start_entry(logs, "worker", "discover-fault-worker", **env)
    web, base = start_server(logs, **env)
    cache = sync_redis.Redis.from_url(own_redis.url())
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            wait_until(lambda: from_index(client, cache), timeout=120, step=0.5)

            broker.stop()
            began = time.monotonic()
            for _ in range(5):
                assert not from_index(client, cache)
            assert time.monotonic() - began < 20, "only the first list waits for the broker"
            broker.start()
            wait_until(lambda: from_index(client, cache), timeout=60 + FALLBACK_SECONDS, step=1.0)

            worker.stop()
            for _ in range(5):
                assert not from_index(client, cache)
            worker = start_entry(logs, "worker", "discover-fault-worker-2", **env)
            wait_until(lambda: from_index(client, cache), timeout=120, step=1.0)
    finally:
        web.stop()
        worker.stop()

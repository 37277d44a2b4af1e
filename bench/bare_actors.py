"""The baseline of bench/actors.py: bare Dramatiq over the same RabbitMQ, an async no-op actor writing to Redis.

Run by the benchmark as `dramatiq bench.bare_actors --queues bench_bare ...`.
"""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.middleware import AsyncIO
from redis.asyncio import Redis

QUEUE = "bench_bare"
broker = RabbitmqBroker(url=os.environ["RABBITMQ_URL"], confirm_delivery=True)
broker.add_middleware(AsyncIO())
dramatiq.set_broker(broker)
_redis: Redis | None = None


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
async def noop(key: str) -> None:
    """Write a result under `key` for the waiting client."""
    global _redis
    if _redis is None:
        _redis = Redis.from_url(os.environ["REDIS_URL"])
    await _redis.lpush(key, b"done")
    await _redis.expire(key, 60)

"""The baseline of bench/actors.py: bare Dramatiq over the same RabbitMQ, an async no-op actor writing to Redis
(its queue of the same type as MovieVerse's: quorum, or classic with RABBITMQ_QUEUE_TYPE=classic).

Run by the benchmark as `dramatiq bench.bare_actors --queues bench_bare ...`.
"""

from __future__ import annotations

import os

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.middleware import AsyncIO
from redis.asyncio import Redis

QUEUE = "bench_bare"


class SameQueueTypeBroker(RabbitmqBroker):
    """Dramatiq's broker, its queue of the type MovieVerse declares (RABBITMQ_QUEUE_TYPE, quorum unless classic),
    so both sides of the benchmark pay for the same kind of queue."""

    def _build_queue_arguments(self, queue_name: str) -> dict[str, object]:
        arguments: dict[str, object] = super()._build_queue_arguments(queue_name)
        if os.environ.get("RABBITMQ_QUEUE_TYPE", "quorum").lower() != "classic":
            arguments["x-queue-type"] = "quorum"
        return arguments


broker = SameQueueTypeBroker(url=os.environ["RABBITMQ_URL"], confirm_delivery=True)
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

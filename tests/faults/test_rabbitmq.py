"""RabbitMQ stopped and started again: worker routes answer 503, writes are kept, all resumes by itself."""

from __future__ import annotations

from pathlib import Path

import httpx
import redis as sync_redis

from cache import keys
from tests.conftest import account, start_server
from tests.faults.conftest import start_entry, wait_until
from tests.faults.servers import ThrowawayRabbitMQ, ThrowawayRedis

MOVIE = 51


def test_a_broker_outage_answers_503_keeps_writes_and_recovers_without_restarts(
    logs: Path, seeded: str, broker: ThrowawayRabbitMQ, own_redis: ThrowawayRedis
) -> None:
    env = {"RABBITMQ_URL": broker.url(), "REDIS_URL": own_redis.url()}
    worker = start_entry(logs, "worker", "broker-outage-worker", **env)
    scheduler = start_entry(logs, "scheduler", "broker-outage-scheduler", **env)
    web, base = start_server(logs, **env)
    stats_result = keys.result(keys.work_key("stats", {}))
    cache = sync_redis.Redis.from_url(own_redis.url())
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            user = account(client, "brokerout")
            assert client.get("/api/stats/").status_code in (200, 202)
            before = client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"]

            broker.stop()
            cache.delete(stats_result)
            heavy = client.get("/api/stats/")
            assert heavy.status_code == 503, heavy.text
            assert int(heavy.headers["Retry-After"]) > 0
            assert heavy.headers["content-type"].startswith("application/problem+json")
            ready = client.get("/readyz")
            assert ready.status_code == 503 and "rabbitmq" in ready.json()["down"]
            written = client.post("/api/reviews/", headers=user["headers"],
                                  json={"movie_id": MOVIE, "rating": 7, "body": "Sent while the broker was away."})
            assert written.status_code == 201, written.text
            assert client.get(f"/api/reviews/{written.json()['id']}/").status_code == 200

            broker.start()
            # Nothing is restarted: the web process, the worker and the scheduler reconnect, the
            # scheduler's relay sends the follow-up the outage held back, the worker runs it.
            wait_until(lambda: client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"] == before + 1,
                       timeout=90, step=0.5)
            cache.delete(stats_result)
            wait_until(lambda: client.get("/api/stats/").status_code == 200, timeout=60, step=0.5)
            wait_until(lambda: client.get("/readyz").status_code == 200)
    finally:
        web.stop()
        scheduler.stop()
        worker.stop()

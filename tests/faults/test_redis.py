"""Redis stopped and started again: reads degrade to the stores, writes go on, nothing stale comes back."""

from __future__ import annotations

from pathlib import Path

import redis as sync_redis

from cache import keys
from config import Settings
from tests.conftest import account
from tests.faults.conftest import wait_until, web_and_worker
from tests.faults.servers import ThrowawayRabbitMQ, ThrowawayRedis

MOVIE = 21


def persisted(server: ThrowawayRedis, key: str) -> bool:
    """Whether Redis's append-only file holds the key (so a restart brings it back)."""
    files = list(server.dir.rglob("*.aof"))
    return any(key.encode() in path.read_bytes() for path in files)


def test_a_redis_outage_degrades_reads_keeps_writes_and_serves_nothing_stale_after(
    logs: Path, seeded: str, broker: ThrowawayRabbitMQ, own_redis: ThrowawayRedis, settings: Settings
) -> None:
    env = {"REDIS_URL": own_redis.url(), "RABBITMQ_URL": broker.url()}
    with web_and_worker(logs, "redis-outage", settings, **env) as client:
        user = account(client, "redisout")
        before = client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"]
        assert client.get(f"/api/movies/{MOVIE}/").status_code == 200
        entry = keys.cached(keys.movie_entry(MOVIE))
        assert sync_redis.Redis.from_url(own_redis.url()).exists(entry), "the film is cached in Redis"

        own_redis.stop()
        assert persisted(own_redis, entry), "the cached film will come back with Redis"
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "redis" in ready.json()["down"]
        assert ready.headers["Retry-After"]
        assert client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"] == before
        assert client.get("/api/movies/?genre=3&sort=-rating").status_code == 200
        written = client.post("/api/reviews/", headers=user["headers"],
                              json={"movie_id": MOVIE, "rating": 9, "body": "Written while Redis was down."})
        assert written.status_code == 201, written.text
        assert client.put("/api/users/me/profile/", headers=user["headers"],
                          json={"bio": "set while Redis was down"}).status_code == 200
        second = client.post("/api/users/", json={"username": user["username"] + "_b",
                                                  "email": "b" + user["email"], "password": "long enough"})
        assert second.status_code == 201, second.text
        # The worker refreshes the stats in MySQL (its cache invalidation waits for Redis);
        # with Redis away every read goes to the stores, so the change shows at once.
        wait_until(lambda: client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"] == before + 1)

        own_redis.start()
        fresh = b'"count":%d' % (before + 1)

        def recached() -> bool:
            assert client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"] == before + 1
            return fresh in (sync_redis.Redis.from_url(own_redis.url()).get(entry) or b"")

        # Every read from the moment Redis is back is fresh, first from the stores while the
        # process drops what Redis kept from before the outage, then from the refilled cache.
        wait_until(recached)
        wait_until(lambda: client.get("/readyz").status_code == 200)
        counts = {client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"] for _ in range(20)}
        assert counts == {before + 1}
        assert client.get(f"/api/movies/{MOVIE}/reviews/").status_code == 200

"""A three-master Redis Cluster of the test's own: search, lists, recommendations, caching, invalidation,
throttling and the job protocol work against it as against one Redis (no CROSSSLOT, nothing unheard)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.cluster as sync_cluster

from cache import keys
from config import Settings, load
from tests.actors.test_search import wait_for
from tests.conftest import FAULTS_VHOST, account, announce_outside_writes, start_server, start_worker
from tests.faults.conftest import wait_until, web_and_worker
from tests.faults.servers import ThrowawayRabbitMQ, ThrowawayRedisCluster, cluster_or_skip

MOVIE = 23


@pytest.fixture
def cluster() -> Iterator[ThrowawayRedisCluster]:
    """A three-master Redis Cluster (skipped, with the reason, if it cannot start)."""
    yield from cluster_or_skip(ThrowawayRedisCluster)


def nodes_holding(cache: Any) -> int:
    """How many of the cluster's masters hold at least one key."""
    return sum(1 for node in cache.get_primaries() if cache.dbsize(target_nodes=node))


def listed_from_index(client: httpx.Client, cache: Any, size: int) -> bool:
    """Ask for a list page no cache holds; whether the worker's catalogue index answered it (its result is kept)."""
    response = client.get(f"/api/movies/?sort=-votes&min_votes={size}&page_size={size}")
    assert response.status_code == 200, response.text
    version = int(cache.get(keys.CATALOGUE_VERSION) or 0)
    params = {"f": {"votes": [size, None]}, "sort": "-votes", "skip": 0, "limit": size,
              "ttl": load().cache_ttl_seconds, "v": version}
    return bool(cache.exists(keys.result(keys.work_key("movies", params))))


def test_the_whole_read_and_write_path_works_on_a_redis_cluster(
    logs: Path, seeded: str, broker: ThrowawayRabbitMQ, cluster: ThrowawayRedisCluster, settings: Settings
) -> None:
    env = {"REDIS_URL": cluster.url(), "RABBITMQ_URL": broker.url(), "LOGIN_ATTEMPTS": "3"}
    earlier = set(logs.glob("*.log"))  # other tests' processes write to the same folder
    worker = start_worker(logs, "cluster-worker", **env)
    web, base = start_server(logs, **env)
    cache = sync_cluster.RedisCluster.from_url(cluster.url().replace("redis+cluster://", "redis://"))
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.text

            # Search: the worker's job, found again as a hit that costs no work allowance.
            movie = client.get(f"/api/movies/{MOVIE}/").json()
            word = max(movie["title"].split(), key=len)
            first = wait_for(client, f"/api/search/?q={word}&type=movie")
            assert first.status_code == 200, first.text
            assert MOVIE in [hit["id"] for hit in first.json()["results"]]
            assert "RateLimit-Remaining" in first.headers, "work that reached a worker is counted"
            assert any(cache.scan_iter(match=keys.result_pattern("search"))), "the result is kept in the cluster"
            again = client.get(f"/api/search/?q={word}&type=movie")
            assert again.status_code == 200 and again.json() == first.json()
            assert "RateLimit-Remaining" not in again.headers, "a stored result is served uncharged"

            # The job protocol: with no worker on its virtual host yet, a new search answers 202; once one
            # starts, the job's record in the cluster holds its result.
            unserved = {**env, "RABBITMQ_URL": FAULTS_VHOST}
            quick, quick_base = start_server(logs, RESULT_WAIT_SECONDS="0.2", **unserved)
            late = None
            try:
                with httpx.Client(base_url=quick_base, timeout=30) as slow:
                    accepted = slow.get(f"/api/search/?q=nothing{uuid.uuid4().hex[:8]}&type=movie")
                    assert accepted.status_code == 202, accepted.text
                    status_url = accepted.json()["status_url"]
                    assert accepted.headers["Location"] == status_url
                    assert slow.get(status_url).json()["status"] == "queued"
                    late = start_worker(logs, "cluster-late-worker", queues="interactive", **unserved)
                    job = wait_until(lambda: (j := slow.get(status_url).json())["status"] == "done" and j, timeout=60)
                    assert isinstance(job, dict) and job["result"] == [] and job["finished_at"]
            finally:
                quick.stop()
                if late is not None:
                    late.stop()

            # Discover: a list page answered by the worker's catalogue index, its result kept in the cluster.
            sizes = iter(range(2, 90))
            wait_until(lambda: listed_from_index(client, cache, next(sizes)), timeout=120, step=0.5)

            # Caching and invalidation: the film's detail is cached; a review moves its count everywhere.
            user = account(client, "cluster")
            before = client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"]
            entry = keys.cached(keys.movie_entry(MOVIE))
            assert wait_until(lambda: cache.exists(entry)), "the film is cached in the cluster"
            assert client.post("/api/reviews/", headers=user["headers"],
                               json={"movie_id": MOVIE, "rating": 8, "body": "On a cluster."}).status_code == 201
            fresh = b'"count":%d' % (before + 1)
            wait_until(lambda: client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"] == before + 1)
            wait_until(lambda: fresh in (cache.get(entry) or b""))
            counts = {client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"] for _ in range(10)}
            assert counts == {before + 1}, "no process serves the film's old detail"

            # Recommendations: a user's liked films give them, computed by the worker and kept in the cluster.
            popular = client.get("/api/movies/?sort=-votes&page_size=8").json()["results"]
            for film in popular[:6]:
                assert client.post("/api/reviews/", headers=user["headers"],
                                   json={"movie_id": film["id"], "rating": 9, "body": "Loved it."}).status_code == 201
            recommended = wait_for(client, "/api/users/me/recommendations/", headers=user["headers"])
            assert recommended.status_code == 200, recommended.text
            assert recommended.json()["results"], "a user with liked films gets recommendations"
            assert cache.exists(keys.result(keys.recommendations(user["id"])))

            # Throttling: wrong passwords for one account are refused past LOGIN_ATTEMPTS, the right one too.
            victim = account(client, "clusterlock")
            codes = [client.post("/api/auth/token", json={"username": victim["username"],
                                                          "password": f"wrong-{i}"}).status_code for i in range(5)]
            assert codes == [401, 401, 401, 429, 429], codes
            right = client.post("/api/auth/token", json={"username": victim["username"],
                                                         "password": victim["password"]})
            assert right.status_code == 429 and int(right.headers["Retry-After"]) > 0

            assert nodes_holding(cache) == 3, "the keys are spread over every master"
            assert client.get("/readyz").status_code == 200
        for path in set(logs.glob("*.log")) - earlier:
            text = path.read_text(errors="replace")
            for trouble in ("CROSSSLOT", "RedisClusterException", "notifications lost", "invalidations lost"):
                assert trouble not in text, f"{path.name} logged {trouble!r} on the cluster"
    finally:
        web.stop()
        worker.stop()
        cache.close()
        announce_outside_writes(settings)


def test_a_cluster_outage_degrades_reads_keeps_writes_and_recovers(
    logs: Path, seeded: str, broker: ThrowawayRabbitMQ, cluster: ThrowawayRedisCluster, settings: Settings
) -> None:
    env = {"REDIS_URL": cluster.url(), "RABBITMQ_URL": broker.url()}
    movie = MOVIE + 1
    with web_and_worker(logs, "cluster-outage", settings, **env) as client:
        user = account(client, "clusterout")
        before = client.get(f"/api/movies/{movie}/").json()["user_rating"]["count"]

        for node in cluster.nodes:  # the whole cluster away: redis-py raises its cluster errors, not RedisError
            node.stop()
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "redis" in ready.json()["down"], ready.text
        assert client.get(f"/api/movies/{movie}/").json()["user_rating"]["count"] == before
        assert client.get("/api/movies/?genre=3&sort=-rating").status_code == 200
        searched = client.get("/api/search/?q=clusterless&type=movie")
        assert searched.status_code == 503, searched.text
        assert searched.headers["content-type"].startswith("application/problem+json")
        written = client.post("/api/reviews/", headers=user["headers"],
                              json={"movie_id": movie, "rating": 9, "body": "Written while the cluster was down."})
        assert written.status_code == 201, written.text
        wait_until(lambda: client.get(f"/api/movies/{movie}/").json()["user_rating"]["count"] == before + 1)

        for node in cluster.nodes:
            node.start()
        wait_until(cluster.ready, timeout=60, step=0.5)
        wait_until(lambda: client.get("/readyz").status_code == 200, timeout=60, step=0.5)
        counts = {client.get(f"/api/movies/{movie}/").json()["user_rating"]["count"] for _ in range(20)}
        assert counts == {before + 1}
        word = max(client.get(f"/api/movies/{movie}/").json()["title"].split(), key=len)
        assert wait_for(client, f"/api/search/?q={word}&type=movie").status_code == 200

"""A three-node RabbitMQ cluster of the test's own, its queues quorum queues: the node that holds their leader is
killed (kill -9) in the middle of a burst of searches and of reviews, and every message RabbitMQ confirmed to the
front door is still processed; the front door and the workers go on through the other nodes by themselves."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import account, start_server
from tests.faults.conftest import start_entry, wait_until
from tests.faults.servers import ThrowawayRabbitMQCluster, ThrowawayRedis, cluster_or_skip

MOVIE = 67
REVIEWERS = 12


@pytest.fixture
def rabbits() -> Iterator[ThrowawayRabbitMQCluster]:
    """A three-node RabbitMQ cluster (skipped, with the reason, if it cannot start)."""
    yield from cluster_or_skip(ThrowawayRabbitMQCluster)


def test_killing_the_queue_leaders_node_loses_no_confirmed_search_or_review_follow_up(
    logs: Path, seeded: str, rabbits: ThrowawayRabbitMQCluster, own_redis: ThrowawayRedis
) -> None:
    env = {"RABBITMQ_URL": rabbits.url(), "REDIS_URL": own_redis.url(), "RESULT_WAIT_SECONDS": "0.3"}
    worker = start_entry(logs, "worker", "rabbit-cluster-worker", **env)
    scheduler = start_entry(logs, "scheduler", "rabbit-cluster-scheduler", **env)
    web, base = start_server(logs, **env)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            wait_until(lambda: client.get("/readyz").status_code == 200, timeout=60)
            reviewers = [account(client, "rabbitq") for _ in range(REVIEWERS)]
            wait_until(lambda: {"interactive", "default"} <= rabbits.queues("type").keys(), timeout=60)
            types = rabbits.queues("type")
            assert types["interactive"] == types["default"] == "quorum", types
            before = client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"]
            leader = rabbits.leader("interactive")

            killed_at: list[float] = []
            stop = threading.Event()
            searches: list[tuple[float, httpx.Response]] = []  # (when it was sent, its answer)
            reviews: list[tuple[dict[str, Any], httpx.Response]] = []  # (the reviewer, the answer)

            def search_burst() -> None:
                with httpx.Client(base_url=base, timeout=30) as own:
                    while not stop.is_set():
                        sent = time.monotonic()
                        searches.append((sent, own.get(f"/api/search/?q=zq{uuid.uuid4().hex[:12]}&type=movie")))

            def review_burst() -> None:
                with httpx.Client(base_url=base, timeout=30) as own:
                    for user in reviewers:
                        reviews.append((user, own.post("/api/reviews/", headers=user["headers"], json={
                            "movie_id": MOVIE, "rating": 6, "body": "Written while a broker node died."})))
                        time.sleep(0.5)

            with ThreadPoolExecutor(4) as pool:
                running = [pool.submit(search_burst) for _ in range(3)] + [pool.submit(review_burst)]
                time.sleep(2.5)
                rabbits.kill(leader)
                killed_at.append(time.monotonic())
                time.sleep(8)
                stop.set()
                for future in running:
                    future.result()

            # Confirmed: a search's 200 (done) or 202 (queued); a review's 201. A 503 is a refusal, never a loss.
            codes = [response.status_code for _, response in searches]
            assert set(codes) <= {200, 202, 503}, codes
            accepted = [(sent, r) for sent, r in searches if r.status_code in (200, 202)]
            after_kill = [sent for sent, _ in accepted if sent > killed_at[0] + 1]
            assert after_kill, f"no search was accepted after the node died: {codes[-20:]}"
            print(f"searches: {len(codes)} sent, {len(accepted)} accepted ({len(after_kill)} after the kill), "
                  f"{codes.count(503)} refused with 503")
            for _, response in accepted:
                if response.status_code == 202:
                    status_url = response.json()["status_url"]
                    job = wait_until(lambda url=status_url: (j := client.get(url).json())["status"] == "done" and j,
                                     timeout=120, step=0.5)
                    assert isinstance(job, dict) and job["result"] == []
            assert [r.status_code for _, r in reviews] == [201] * REVIEWERS, [r.text for _, r in reviews]
            # Each follow-up recounts the film from MySQL: processed once or again, the count is exact.
            wait_until(lambda: client.get(f"/api/movies/{MOVIE}/").json()["user_rating"]["count"]
                       == before + REVIEWERS, timeout=120, step=0.5)
            assert rabbits.leader("interactive") is not leader
            wait_until(lambda: client.get("/readyz").status_code == 200, timeout=60)
            for user, review in reviews:  # the test databases outlive the run: leave the film's reviews as they were
                gone = client.delete(f"/api/reviews/{review.json()['id']}/", headers=user["headers"])
                assert gone.status_code == 204, gone.text
    finally:
        web.stop()
        scheduler.stop()
        worker.stop()

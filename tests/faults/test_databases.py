"""PostgreSQL and MariaDB restarted under a running system: pools reconnect, nothing is restarted."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pymysql
import pytest

from tests.conftest import ROOT, account, child_env, start_server
from tests.faults.conftest import start_entry, wait_until
from tests.faults.servers import ThrowawayMariaDB, ThrowawayPostgres, ThrowawayRabbitMQ, ThrowawayRedis


@pytest.fixture
def databases() -> Iterator[tuple[ThrowawayPostgres, ThrowawayMariaDB]]:
    pg, my = ThrowawayPostgres().start(), ThrowawayMariaDB().start()
    conn = pymysql.connect(host="127.0.0.1", port=my.port, user="root")
    with conn.cursor() as cur:
        cur.execute("CREATE DATABASE movieverse_faults")
    conn.close()
    yield pg, my
    pg.remove()
    my.remove()


def settles(call: Callable[[], httpx.Response], ok: int) -> httpx.Response:
    """Retry a request until it answers `ok`; while the pools reconnect only 503 is acceptable."""
    seen: list[int] = []

    def attempt() -> httpx.Response | None:
        response = call()
        seen.append(response.status_code)
        assert response.status_code in (ok, 503), (response.status_code, response.text)
        return response if response.status_code == ok else None

    return wait_until(attempt, timeout=30, step=0.2)  # type: ignore[return-value]


def test_restarted_databases_are_reconnected_by_the_running_processes(
    logs: Path, seeded: str, broker: ThrowawayRabbitMQ, own_redis: ThrowawayRedis,
    databases: tuple[ThrowawayPostgres, ThrowawayMariaDB],
) -> None:
    pg, my = databases
    env = {"RABBITMQ_URL": broker.url(), "REDIS_URL": own_redis.url(), "POSTGRES_URL": pg.url(),
           "MYSQL_URL": f"mysql://root@127.0.0.1:{my.port}/movieverse_faults"}
    subprocess.run([sys.executable, "-m", "stores.migrate"], cwd=ROOT, env=child_env(**env), check=True,
                   capture_output=True)
    worker = start_entry(logs, "worker", "db-restart-worker", **env)
    web, base = start_server(logs, **env)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            user = account(client, "restart")
            assert client.post("/api/reviews/", headers=user["headers"],
                               json={"movie_id": 61, "rating": 8, "body": "Before."}).status_code == 201
            wait_until(lambda: client.get("/api/movies/61/").json()["user_rating"]["count"] == 1)

            pg.restart()
            my.restart()

            settles(lambda: client.get("/api/users/me/", headers=user["headers"]), 200)
            token = settles(lambda: client.post("/api/auth/token", json={"username": user["username"],
                                                                         "password": user["password"]}), 200)
            assert token.json()["access_token"]
            settles(lambda: client.post("/api/reviews/", headers=user["headers"],
                                        json={"movie_id": 62, "rating": 6, "body": "After."}), 201)
            assert client.get("/api/movies/62/reviews/").json()["count"] == 1
            # The worker's pool reconnects too: it refreshes the new review's statistics.
            wait_until(lambda: client.get("/api/movies/62/").json()["user_rating"]["count"] == 1)
            assert client.get("/readyz").status_code == 200
    finally:
        web.stop()
        worker.stop()

"""With RabbitMQ unreachable, writes still succeed and their follow-up work waits in the outbox."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from cache import keys
from stores import Stores
from tests.conftest import account, free_port, start_server


async def outbox_rows(stores: Stores) -> tuple[int, int]:
    """Pending rows in the MySQL and PostgreSQL outboxes."""
    async with (await stores.mysql()).acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*) FROM outbox")
        mysql_rows = (await cur.fetchone())[0]
    return mysql_rows, await (await stores.postgres()).fetchval("SELECT count(*) FROM outbox")


async def test_writes_survive_a_broker_outage_and_the_relay_sends_their_follow_ups(
    http: httpx.Client, seeded: str, stores: Stores, logs: Path, redis: Any
) -> None:
    user = account(http, "outage")
    dead_broker = f"amqp://guest:guest@127.0.0.1:{free_port()}/movieverse_test"
    proc, base = start_server(logs, RABBITMQ_URL=dead_broker)
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            before = client.get("/api/movies/15/").json()["user_rating"]["count"]
            created = client.post("/api/reviews/", headers=user["headers"],
                                  json={"movie_id": 15, "rating": 8, "body": "Written while the broker was down."})
            assert created.status_code == 201, created.text
            registered = client.post("/api/users/", json={"username": f"{user['username']}_2",
                                                          "email": f"2{user['email']}", "password": "long enough"})
            assert registered.status_code == 201
            await redis.delete(keys.result(keys.work_key("stats", {})))
            heavy = client.get("/api/stats/")
            assert heavy.status_code == 503 and heavy.headers["Retry-After"]
            ready = client.get("/readyz").json()
            assert "rabbitmq" in ready["down"]
    finally:
        proc.stop()
    mysql_rows, postgres_rows = await outbox_rows(stores)
    assert mysql_rows >= 1 and postgres_rows >= 1
    import actors  # noqa: F401 - the session broker
    from actors.outbox import GRACE_SECONDS, drain_outboxes

    await asyncio.sleep(GRACE_SECONDS)
    await asyncio.to_thread(drain_outboxes.send)
    for _ in range(150):
        after = http.get("/api/movies/15/").json()["user_rating"]["count"]
        if after == before + 1 and await outbox_rows(stores) == (0, 0):
            break
        await asyncio.sleep(0.1)
    assert after == before + 1
    assert await outbox_rows(stores) == (0, 0)

"""What the seed benchmarks share: emptying the bench namespaces, the seed's size options, waiting for a run.

Import it only after bench.common.use_bench_namespaces() has pointed the process at them.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from cache import client as cache_client
from cache import progress
from config import get_settings
from seeds.plan import DEFAULTS
from stores import firebase, mongo, mysql, postgres
from stores.migrate import migrate


async def empty_stores() -> None:
    """Drop everything in the bench namespaces, then create the schemas again."""
    settings = get_settings()
    pg = await postgres.connect(settings, max_size=1)
    for row in await pg.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"):
        await pg.execute(f'DROP TABLE IF EXISTS "{row["tablename"]}" CASCADE')
    await postgres.close(pg)
    my = await mysql.connect(settings, maxsize=1)
    async with my.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        await cur.execute("SHOW TABLES")
        for (name,) in await cur.fetchall():
            await cur.execute(f"DROP TABLE IF EXISTS `{name}`")
        await cur.execute("SET FOREIGN_KEY_CHECKS = 1")
    await mysql.close(my)
    db = await mongo.connect(settings)
    await db.client.drop_database(db.name)
    await mongo.close(db)
    fb = await firebase.connect(settings)
    await fb.delete("/")
    await firebase.close(fb)
    redis = cache_client.connect(settings)
    await cache_client.clear(redis)
    await cache_client.close(redis)
    await migrate(settings)


def add_size_options(parser: argparse.ArgumentParser) -> None:
    """--movies, --users, --reviews (the demo's by default), --processes and --threads of the seed workers."""
    for name in ("movies", "users", "reviews"):
        parser.add_argument(f"--{name}", type=int, default=DEFAULTS[name])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)


async def wait_done(redis: Any, run_id: str, timeout: float) -> dict[str, Any]:
    """The seed run's progress once it is done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = await progress.progress(redis, run_id)
        if state and state["status"] == "done":
            return state
        await asyncio.sleep(0.25)
    raise SystemExit(f"seed run {run_id} did not finish in {timeout:.0f} s")

"""Emptying the bench namespaces: every table, collection, profile and Redis key, then the schemas again.

Import it only after bench.common.use_bench_namespaces() has pointed the process at them.
"""

from __future__ import annotations

from cache import client as cache_client
from config import get_settings
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
    await redis.flushdb()
    await cache_client.close(redis)
    await migrate(settings)

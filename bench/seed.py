"""Seed benchmark: the seed actors vs the raw drivers' bulk inserts of the same rows, measured in one run.

    .venv/bin/python bench/seed.py [--movies 58788] [--users 2000] [--reviews 200000] [--processes 2] [--threads 2]

Works in namespaces of its own (databases `movieverse_bench`, Redis db 2, vhost `movieverse_bench`, a Firebase
emulator on port 9002, and, unless MONGO_URL names a MongoDB, a fresh in-memory MongoDB stand-in on a spare
port), which it empties first, so neither `make up` data nor the tests are touched.

1. Raw: the bench generates exactly the rows the seed writes (films with their credits, people, users, reviews,
   profiles), then times one connection pushing them with each driver's bulk path into scratch tables and
   collections that carry the same indexes: asyncpg COPY, aiomysql multi-row INSERT, PyMongo unordered
   insert_many, firebase-admin multi-path update.
2. Seed: it starts Dramatiq workers on the bulk queue (`--processes` x `--threads`) and runs the default demo
   seed through the actors. Each chunk records its start and end; a store's rate is its rows over the span from
   its first chunk's start to its last chunk's end, generation included.

It prints rows/s per store for both and the ratio seed/raw (goal: >= 0.5).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import run_then_stop, use_bench_namespaces, worker

STAND_IN = use_bench_namespaces()
warnings.filterwarnings("ignore", module="aiomysql")

from actors.seeding import start_seed  # noqa: E402
from actors.seeding.loaders import demo_password_hash  # noqa: E402
from actors.seeding.plan import CHUNK  # noqa: E402
from bench.seedkit import add_size_options, empty_stores, wait_done  # noqa: E402
from cache import client as cache_client  # noqa: E402
from config import get_settings  # noqa: E402
from seeds import careers, films, people, profiles, reviews, users, vega  # noqa: E402
from seeds.__main__ import store_rates  # noqa: E402
from seeds.plan import make_spec, spec_now  # noqa: E402
from stores import firebase, mongo, mysql, postgres  # noqa: E402
from stores.mongo import movies as mongo_movies  # noqa: E402
from stores.mongo import people as mongo_people  # noqa: E402
from stores.postgres.bulk import COLUMNS as USER_COLUMNS  # noqa: E402

REVIEW_COLUMNS = ("movie_id", "user_id", "username", "rating", "title", "body", "created_at", "updated_at")
STORES = {"movies": "mongo", "people": "mongo", "users": "postgres", "reviews": "mysql", "profiles": "firebase"}


def generate(spec: dict[str, Any]) -> dict[str, list[Any]]:
    """The rows a seed run writes, per kind, ready for the drivers."""
    now = spec_now(spec)
    catalogue = films.films_between(1, spec["movies"] + 1)
    pool = people.people_pool(people.pool_size(spec["movies"]))
    movie_docs = [mongo_movies.prepare(people.with_credits(vega.film_document(f), f, pool)) for f in catalogue]
    people_docs = [mongo_people.prepare(doc) for doc in
                   careers.person_documents(catalogue, pool, 1, people.pool_size(spec["movies"]) + 1)
                   + careers.real_people_documents(catalogue)]
    demo = users.demo_users(1, spec["users"] + 1, now)
    password_hash = demo_password_hash()
    user_rows = [tuple(dict(u, password_hash=password_hash)[c] for c in USER_COLUMNS) for u in demo]
    table = reviews.film_table(tuple(catalogue))
    plan = reviews.review_plan(spec["users"], spec["reviews"], len(table.films))
    review_rows = []
    for user in demo:
        for review in reviews.user_reviews(user["id"], plan[user["id"] - 1], table, now):
            row = dict(review, user_id=user["id"], username=user["username"])
            row["created_at"] = row["created_at"].replace(tzinfo=None)
            row["updated_at"] = row["updated_at"].replace(tzinfo=None)
            review_rows.append(tuple(row[c] for c in REVIEW_COLUMNS))
    profile_docs = [(str(u["id"]), profiles.demo_profile(u, now)) for u in demo]
    return {"movies": movie_docs, "people": people_docs, "users": user_rows, "reviews": review_rows,
            "profiles": profile_docs}


async def same_indexes(db: Any, source: str, target: str) -> None:
    """Give a scratch collection the indexes of a real one."""
    await db.drop_collection(target)
    await db.create_collection(target)
    async for index in await db[source].list_indexes():
        if index["name"] == "_id_":
            continue
        options = {k: v for k, v in index.items() if k not in ("key", "v", "ns")}
        await db[target].create_index(list(index["key"].items()), **options)


async def raw(rows: dict[str, list[Any]]) -> dict[str, float]:
    """Seconds each driver takes to bulk-insert the rows on one connection."""
    settings = get_settings()
    took: dict[str, float] = {}
    db = await mongo.connect(settings)
    for kind in ("movies", "people"):
        await same_indexes(db, kind, f"raw_{kind}")
        started = time.perf_counter()
        for start in range(0, len(rows[kind]), 2000):
            await db[f"raw_{kind}"].insert_many(rows[kind][start : start + 2000], ordered=False)
        took[kind] = time.perf_counter() - started
        await db.drop_collection(f"raw_{kind}")
    await mongo.close(db)

    pg = await postgres.connect(settings, max_size=1)
    async with pg.acquire() as conn:
        await conn.execute("DROP TABLE IF EXISTS raw_users")
        await conn.execute("CREATE TABLE raw_users (LIKE users INCLUDING ALL)")
        started = time.perf_counter()
        await conn.copy_records_to_table("raw_users", records=rows["users"], columns=USER_COLUMNS)
        took["users"] = time.perf_counter() - started
        await conn.execute("DROP TABLE raw_users")
    await postgres.close(pg)

    my = await mysql.connect(settings, maxsize=1)
    insert = f"INSERT INTO raw_reviews ({', '.join(REVIEW_COLUMNS)}) VALUES ({', '.join(['%s'] * 8)})"
    async with my.acquire() as conn:
        async with conn.cursor() as cur:
            await cur.execute("DROP TABLE IF EXISTS raw_reviews")
            await cur.execute("CREATE TABLE raw_reviews LIKE reviews")
        started = time.perf_counter()
        for start in range(0, len(rows["reviews"]), 5000):
            await conn.begin()
            async with conn.cursor() as cur:
                await cur.executemany(insert, rows["reviews"][start : start + 5000])
            await conn.commit()
        took["reviews"] = time.perf_counter() - started
        async with conn.cursor() as cur:
            await cur.execute("DROP TABLE raw_reviews")
    await mysql.close(my)

    fb = await firebase.connect(settings)
    started = time.perf_counter()
    size = CHUNK["profiles"]
    for start in range(0, len(rows["profiles"]), size):
        await fb.update("/raw_profiles", dict(rows["profiles"][start : start + size]))
    took["profiles"] = time.perf_counter() - started
    await fb.delete("/raw_profiles")
    await firebase.close(fb)
    return took


async def seed(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run the seed through the actors; its final progress record."""
    redis = cache_client.connect(get_settings())
    try:
        return await wait_done(redis, await start_seed(redis, spec), timeout)
    finally:
        await cache_client.close(redis)


def main() -> int:
    """Raw first, then the actors; print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_size_options(parser)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()
    spec = make_spec(args.movies, args.users, args.reviews)
    asyncio.run(empty_stores())
    print(f"generating {args.movies:,} films, {args.users:,} users, {args.reviews:,} reviews ...", flush=True)
    rows = generate(spec)
    print("raw driver inserts ...", flush=True)
    raw_seconds = asyncio.run(raw(rows))
    print(f"seed actors ({args.processes} processes x {args.threads} threads on the bulk queue) ...", flush=True)
    workers = worker("seed-worker", "bulk", args.processes, args.threads)
    try:
        state = asyncio.run(seed(spec, args.timeout))
    finally:
        workers.stop()
    print(f"\n{'store':<10}{'kind':<10}{'rows':>10}{'raw rows/s':>14}{'seed rows/s':>14}{'ratio':>8}")
    seed_rates = store_rates(state)
    for kind, store in STORES.items():
        count = len(rows[kind])
        raw_rate = count / raw_seconds[kind]
        seed_rate = seed_rates.get(kind, float("nan"))
        print(f"{store:<10}{kind:<10}{count:>10,}{raw_rate:>14,.0f}{seed_rate:>14,.0f}{seed_rate / raw_rate:>8.2f}")
    print(f"\nseed summary: {state['summary']}")
    return 0


if __name__ == "__main__":
    sys.exit(run_then_stop(main, STAND_IN))

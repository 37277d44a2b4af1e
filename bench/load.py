"""Load benchmark: a mixed workload against the whole system, then a check that no acknowledged write was lost.

    .venv/bin/python bench/load.py [--seconds 60] [--clients 32] [--films 3000]

Self-contained, loopback only: it uses the bench namespaces (and a fresh in-memory MongoDB stand-in unless
MONGO_URL is set), seeds a small catalogue through the seed actors, then runs what the Procfile runs with
2 web workers and 2 worker processes (plus the scheduler), and drives it for a fixed time with a
closed loop of concurrent clients (as many requests as the machine sustains):

- 78% cached reads: a film's detail (200 popular films), a genre's first page of films, the popular list;
- 14% uncached reads: filtered film lists with varying filters, and searches for titles not asked before
  (each one a job for a worker);
- 5% review writes, by 200 different users;
- 3% library writes by the same users: watchlist PUT and DELETE, favourite PUT and DELETE, diary POST (half
  of them on the popular films, whose cached details then drop their library counts).

It prints throughput, p50/p95/p99 per route and the error count (anything but a 2xx; goal 0). Afterwards
it checks that every review acknowledged with 201 is in MySQL with what the client sent, and that the
films' rating statistics agree with their reviews once the follow-up work has run; that every shelf is as
its last acknowledged PUT or DELETE left it (a film is never written by two clients at once) and every
acknowledged diary entry is in MySQL; and that the details of the films on those shelves show the library
counts MySQL holds once the follow-ups have dropped the cached ones.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Child, CpuLedger, free_port, percentile, print_cpu, seed_bench, wait_for, worker

CACHED, UNCACHED, WRITE, LIBRARY = 0.78, 0.14, 0.05, 0.03
LIBRARY_ROUTES = ("watchlist PUT", "watchlist DELETE", "favorite PUT", "favorite DELETE", "diary POST")
USERS = 200
PASSWORD = "load-test-password"


@dataclass
class Tally:
    """What the clients saw: latencies per route, statuses, errors, the acknowledged reviews and diary entries,
    and per (user, shelf, film) whether its last acknowledged write left the film there (None: unknown)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: list[str] = field(default_factory=list)
    acknowledged: list[dict[str, Any]] = field(default_factory=list)
    diary: list[dict[str, Any]] = field(default_factory=list)
    shelved: dict[tuple[int, str, int], bool | None] = field(default_factory=dict)


@dataclass
class Catalogue:
    """What the workload picks from."""

    hot: list[int]
    films: list[int]
    genres: list[int]
    words: list[str]
    tokens: list[str]
    user_ids: list[int]
    reviewed: set[tuple[int, int]] = field(default_factory=set)
    writing: set[tuple[int, str, int]] = field(default_factory=set)  # shelf rows a client is writing now
    shelved: dict[tuple[int, str, int], None] = field(default_factory=dict)  # rows acknowledged as added, in order


async def prepare(base: str, films: int) -> Catalogue:
    """Users with tokens, the hot films (warmed into the caches), genres and title words to search for."""
    async with aiohttp.ClientSession(base) as http:
        async with http.get("/api/movies/", params={"sort": "-popularity", "page_size": "100"}) as r:
            hot = [m["id"] for m in (await r.json())["results"]]
        async with http.get("/api/movies/", params={"sort": "-popularity", "page_size": "100", "page": "2"}) as r:
            hot += [m["id"] for m in (await r.json())["results"]] if r.status == 200 else []  # 404: past the end
        async with http.get("/api/genres/", params={"page_size": "100"}) as r:
            genres = [g["id"] for g in (await r.json())["results"]]
        words: set[str] = set()
        for page in range(1, 11):
            async with http.get("/api/movies/", params={"sort": "title", "page_size": "100", "page": str(page)}) as r:
                if r.status == 404:  # a catalogue of fewer than 1,000 films
                    break
                for movie in (await r.json())["results"]:
                    words.update(w.lower() for w in movie["title"].split() if len(w) > 3 and w.isalpha())
        run = f"{int(time.time()) % 100000}"

        async def user(i: int) -> tuple[str, int]:
            name = f"load{run}_{i}"
            async with http.post("/api/users/", json={"username": name, "email": f"{name}@example.org",
                                                      "password": PASSWORD}) as r:
                assert r.status == 201, await r.text()
                user_id = int((await r.json())["id"])
            async with http.post("/api/auth/token", json={"username": name, "password": PASSWORD}) as r:
                return str((await r.json())["access_token"]), user_id

        made: list[tuple[str, int]] = []
        for start in range(0, USERS, 20):
            made += await asyncio.gather(*(user(i) for i in range(start, min(USERS, start + 20))))
        for path in [f"/api/movies/{movie_id}/" for movie_id in hot] + [f"/api/movies/?genre={g}" for g in genres]:
            async with http.get(path) as r:
                await r.read()
    return Catalogue(hot, list(range(1, films + 1)), genres, sorted(words), [t for t, _ in made],
                     [u for _, u in made])


def pick(cat: Catalogue, rng: random.Random) -> tuple[str, str, str, dict[str, Any] | None, dict[str, Any]]:
    """(route label, method, path, json body, extra) for one request of the mix."""
    roll = rng.random()
    if roll < CACHED:
        which = rng.random()
        if which < 0.8:
            return "movie detail (cached)", "GET", f"/api/movies/{rng.choice(cat.hot)}/", None, {}
        if which < 0.9:
            return "genre list (cached)", "GET", f"/api/movies/?genre={rng.choice(cat.genres)}", None, {}
        return "popular (cached)", "GET", "/api/movies/popular/", None, {}
    if roll < CACHED + UNCACHED:
        if rng.random() < 0.6:
            year = rng.randint(1930, 2015)
            path = (f"/api/movies/?genre={rng.choice(cat.genres)}&year_from={year}&year_to={year + rng.randint(0, 9)}"
                    f"&sort={rng.choice(['-rating', '-popularity', 'title', '-year'])}&page_size={rng.randint(5, 40)}")
            return "movie list (uncached)", "GET", path, None, {}
        query = " ".join(rng.sample(cat.words, 2)) if len(cat.words) > 1 else "the"
        return "search (uncached)", "GET", f"/api/search/?q={query}&page_size={rng.randint(5, 30)}", None, {}
    if roll < CACHED + UNCACHED + LIBRARY:
        return library_write(cat, rng)
    for _ in range(20):
        user_index, movie_id = rng.randrange(len(cat.tokens)), rng.choice(cat.films)
        if (user_index, movie_id) not in cat.reviewed:
            cat.reviewed.add((user_index, movie_id))
            rating = rng.randint(1, 10)
            body = {"movie_id": movie_id, "rating": rating, "body": f"Load review {user_index}/{movie_id}."}
            return "review write", "POST", "/api/reviews/", body, {"token": cat.tokens[user_index]}
    return "movie detail (cached)", "GET", f"/api/movies/{rng.choice(cat.hot)}/", None, {}


def library_write(cat: Catalogue, rng: random.Random) -> tuple[str, str, str, dict[str, Any] | None, dict[str, Any]]:
    """One library write: a diary entry, or a shelf PUT or DELETE of a row no other client is writing (most
    removals take a film off a shelf it was acknowledged on, a few one that is not there, also 204)."""
    user_index = rng.randrange(len(cat.tokens))
    movie_id = rng.choice(cat.hot if rng.random() < 0.5 else cat.films)
    which = rng.random()
    if which < 0.25:
        watched_on = f"{rng.randint(2000, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        body = {"movie_id": movie_id, "watched_on": watched_on, "rating": rng.choice([None, rng.randint(1, 10)]),
                "rewatch": rng.random() < 0.2}
        return "diary POST", "POST", "/api/users/me/diary/", body, {"token": cat.tokens[user_index]}
    if cat.shelved and which < 0.5:
        key, method = rng.choice(list(cat.shelved)), "DELETE"
    else:
        key = (cat.user_ids[user_index], "watchlist" if which < 0.8 else "favorites", movie_id)
        method = "DELETE" if rng.random() < 0.05 else "PUT"
    if key in cat.writing:
        return "movie detail (cached)", "GET", f"/api/movies/{rng.choice(cat.hot)}/", None, {}
    cat.writing.add(key)
    user_id, shelf, movie_id = key
    label = f"{'watchlist' if shelf == 'watchlist' else 'favorite'} {method}"
    token = cat.tokens[cat.user_ids.index(user_id)]
    return label, method, f"/api/users/me/{shelf}/{movie_id}/", None, {"token": token, "key": key}


def settle_shelf(cat: Catalogue, tally: Tally, key: tuple[int, str, int], method: str, ok: bool) -> None:
    """Record what an acknowledged (or failed) shelf write left, and free the row for the next write."""
    cat.writing.discard(key)
    if not ok:
        tally.shelved[key] = None
        cat.shelved.pop(key, None)
        return
    tally.shelved[key] = method == "PUT"
    if method == "PUT":
        cat.shelved[key] = None
    else:
        cat.shelved.pop(key, None)


async def drive(base: str, cat: Catalogue, seconds: float, clients: int) -> tuple[float, Tally]:
    """A closed loop of `clients` concurrent clients for `seconds`."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=30)

    async def client(n: int, http: aiohttp.ClientSession) -> None:
        rng = random.Random(n)
        while time.monotonic() < deadline:
            label, method, path, body, extra = pick(cat, rng)
            headers = {"Authorization": f"Bearer {extra['token']}"} if "token" in extra else None
            started = time.perf_counter()
            try:
                async with http.request(method, path, json=body, headers=headers) as response:
                    payload = await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                tally.errors.append(f"{label}: {exc!r}")
                if "key" in extra:
                    settle_shelf(cat, tally, extra["key"], method, False)
                continue
            tally.latencies[label].append((time.perf_counter() - started) * 1000)
            tally.statuses[label][status] += 1
            if "key" in extra:
                settle_shelf(cat, tally, extra["key"], method, status < 300)
            if status >= 300:
                tally.errors.append(f"{label}: {status} {payload[:200]!r}")
            elif label == "review write":
                tally.acknowledged.append({**body, "id": orjson.loads(payload)["id"]})  # type: ignore[dict-item]
            elif label == "diary POST":
                tally.diary.append(orjson.loads(payload))

    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as http:
        started = time.monotonic()
        await asyncio.gather(*(client(n, http) for n in range(clients)))
        return time.monotonic() - started, tally


async def verify(acknowledged: list[dict[str, Any]]) -> tuple[int, int, float]:
    """(reviews missing or different, films whose statistics still disagree, seconds the statistics took to agree).

    The statistics follow through the outbox and a worker, so they are polled for up to three minutes.
    """
    from config import load
    from stores.mysql import connect

    pool = await connect(load())
    started = time.monotonic()
    try:
        async with pool.acquire() as conn, conn.cursor() as cur:
            missing = 0
            for review in acknowledged:
                await cur.execute("SELECT movie_id, rating FROM reviews WHERE id = %s", (review["id"],))
                row = await cur.fetchone()
                if row is None or (int(row[0]), int(row[1])) != (review["movie_id"], review["rating"]):
                    missing += 1
        movies = sorted({r["movie_id"] for r in acknowledged})
        disagree = len(movies)
        while disagree and time.monotonic() - started < 180:
            disagree = 0
            async with pool.acquire() as conn, conn.cursor() as cur:
                await conn.commit()
                for movie_id in movies:
                    await cur.execute("SELECT COUNT(*), COALESCE(SUM(rating), 0) FROM reviews WHERE movie_id = %s",
                                      (movie_id,))
                    count, total = await cur.fetchone()
                    await cur.execute("SELECT review_count, rating_sum FROM rating_stats WHERE movie_id = %s",
                                      (movie_id,))
                    stats = await cur.fetchone() or (0, 0)
                    disagree += (int(count), int(total)) != (int(stats[0]), int(stats[1]))
            if disagree:
                await asyncio.sleep(1)
        return missing, disagree, time.monotonic() - started
    finally:
        pool.close()
        await pool.wait_closed()


async def verify_library(base: str, tally: Tally) -> tuple[int, int, int, float]:
    """(shelf rows not as their last acknowledged write left them, acknowledged diary entries missing or different,
    films whose cached detail still disagrees with MySQL's library counts, seconds those took to agree).

    The details drop their counts through the outbox and a worker, so they are polled for up to three minutes.
    """
    from config import load
    from stores.mysql import audience, connect

    pool = await connect(load())
    started = time.monotonic()
    try:
        known = {key: there for key, there in tally.shelved.items() if there is not None}
        wrong = 0
        async with pool.acquire() as conn, conn.cursor() as cur:
            for (user_id, shelf, movie_id), there in known.items():
                await cur.execute("SELECT COUNT(*) FROM shelf_items WHERE user_id = %s AND shelf = %s"
                                  " AND movie_id = %s", (user_id, shelf, movie_id))
                wrong += bool((await cur.fetchone())[0]) != there
            missing = 0
            for entry in tally.diary:
                await cur.execute("SELECT user_id, movie_id, watched_on, rating, rewatch FROM diary_entries"
                                  " WHERE id = %s", (entry["id"],))
                row = await cur.fetchone()
                missing += row is None or (int(row[0]), int(row[1]), row[2].isoformat(), row[3], bool(row[4])) != (
                    entry["user_id"], entry["movie_id"], entry["watched_on"], entry["rating"], entry["rewatch"])
        films = sorted({movie_id for _, _, movie_id in tally.shelved})
        disagree = len(films)
        async with aiohttp.ClientSession(base) as http:
            while disagree and time.monotonic() - started < 180:
                disagree = 0
                for movie_id in films:
                    async with http.get(f"/api/movies/{movie_id}/") as r:
                        shown = (await r.json())["library"]
                    disagree += shown != await audience.library_counts(pool, movie_id)
                if disagree:
                    await asyncio.sleep(1)
        return wrong, missing, disagree, time.monotonic() - started
    finally:
        pool.close()
        await pool.wait_closed()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--films", type=int, default=3000)
    args = parser.parse_args()
    started: list[Child] = []
    try:
        seed_bench(args.films, started)

        port = free_port()
        os.environ.update(PORT=str(port), WEB_CONCURRENCY="2", PUBLIC_URL=f"http://127.0.0.1:{port}")
        started.append(worker("worker", "interactive default", 2, 4))
        started.append(Child("scheduler", [sys.executable, "-m", "actors.scheduler"]))
        started.append(Child("web", [sys.executable, "-m", "front.server"]))
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        print(f"preparing {USERS} users and warming the caches ...", flush=True)
        cat = asyncio.run(prepare(base, args.films))
        print(f"driving {args.clients} clients for {args.seconds:.0f} s (2 web workers, 2 worker processes) ...",
              flush=True)
        ledger = CpuLedger(started)
        seconds, tally = asyncio.run(drive(base, cat, args.seconds, args.clients))
        cpu = ledger.spent()
        print("checking every acknowledged review ...", flush=True)
        missing, disagree, settled = asyncio.run(verify(tally.acknowledged))
        print("checking every acknowledged library write and the films' library counts ...", flush=True)
        wrong_shelves, missing_diary, stale_counts, counted = asyncio.run(verify_library(base, tally))
    finally:
        for child in reversed(started):
            child.stop()

    total = sum(len(v) for v in tally.latencies.values())
    print(f"\n{'route':<26}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for label in ("movie detail (cached)", "genre list (cached)", "popular (cached)", "movie list (uncached)",
                  "search (uncached)", "review write", *LIBRARY_ROUTES):
        values = tally.latencies.get(label, [])
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses[label].items()))
        print(f"{label:<26}{len(values):>10,}{len(values) / seconds:>9.0f}{percentile(values, 50):>9.1f}"
              f"{percentile(values, 95):>9.1f}{percentile(values, 99):>9.1f}  {statuses}")
    every = [v for values in tally.latencies.values() for v in values]
    print(f"{'all':<26}{total:>10,}{total / seconds:>9.0f}{percentile(every, 50):>9.1f}"
          f"{percentile(every, 95):>9.1f}{percentile(every, 99):>9.1f}")
    print_cpu(f"{args.clients} clients", cpu, total)
    print(f"\nerrors: {len(tally.errors)} (goal 0)")
    for line in tally.errors[:10]:
        print("  " + line)
    print(f"reviews acknowledged with 201: {len(tally.acknowledged):,}; missing or different in MySQL: {missing}; "
          f"films whose statistics disagree with their reviews: {disagree} "
          f"(the follow-ups caught up {settled:.0f} s after the run)")
    shelf_writes = sum(len(tally.latencies.get(label, [])) for label in LIBRARY_ROUTES[:4])
    print(f"shelf writes acknowledged with 204: {shelf_writes:,} on {len(tally.shelved):,} rows; rows not as the "
          f"last acknowledged write left them: {wrong_shelves}; diary entries acknowledged with 201: "
          f"{len(tally.diary):,}, missing or different: {missing_diary}; films whose detail shows other library "
          f"counts than MySQL's: {stale_counts} (agreed {counted:.0f} s after the run)")
    ok = (not tally.errors and missing == 0 and disagree == 0 and wrong_shelves == 0 and missing_diary == 0
          and stale_counts == 0)
    lost = missing or wrong_shelves or missing_diary
    print("ACKNOWLEDGED WRITES WERE LOST" if lost else "nothing lost")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

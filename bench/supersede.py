"""Supersede benchmark: a seed run started over an unfinished one, against a first seed, in one run.

    .venv/bin/python bench/supersede.py [--movies 58788] [--users 2000] [--reviews 200000] [--at 0.5]
                                        [--processes 2] [--threads 2]

Works in the bench namespaces (see bench/seed.py), which it empties first.

1. First seed: from empty stores, one run through the seed actors, timed from its start to `done`.
2. Superseding seed: the stores emptied again, a run is started and, `--at` of the first seed's time
   later (while it is writing), a new run is started; timed from the new run's start to its `done`.
3. Superseding after a wipe: the same, with MongoDB dropped just before the new run starts (what
   `make clean-data` does to a run still queued).

Each finish must hold the first seed's exact counts in every store, and no write of the superseded
run may end after the new run's first write began. It prints the seconds of each and the ratio
to the first seed (goal: about 1, at most 1.25).
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

import actors  # noqa: E402, F401 - builds the broker
from actors.seeding import start_seed  # noqa: E402
from bench.seedkit import add_size_options, empty_stores, wait_done  # noqa: E402
from cache import client as cache_client  # noqa: E402
from cache import progress  # noqa: E402
from config import get_settings  # noqa: E402
from seeds.plan import make_spec  # noqa: E402
from stores import Stores  # noqa: E402
from stores.mysql import reviews  # noqa: E402
from stores.postgres import users  # noqa: E402

GOAL = 1.25


async def counts() -> dict[str, int]:
    """What every store holds: films, genres, people, users, reviews, profiles."""
    stores = Stores(get_settings())
    try:
        db = await stores.mongo()
        found = {name: await db[name].count_documents({}) for name in ("movies", "genres", "people")}
        found["users"] = await users.count(await stores.postgres())
        found["reviews"] = await reviews.count(await stores.mysql())
        profiles = await (await stores.firebase()).get("/profiles")
        found["profiles"] = len([p for p in (profiles.values() if isinstance(profiles, dict) else profiles or [])
                                 if p])
        return found
    finally:
        await stores.close()


def window(state: dict[str, Any]) -> tuple[float, float] | None:
    """When a run's first chunk began writing and its last ended (epoch seconds), from its per-store spans."""
    starts = [span["start"] for span in state["timing"].values() if "start" in span]
    ends = [span["end"] for span in state["timing"].values() if "end" in span]
    return (min(starts), max(ends)) if starts and ends else None


async def first(spec: dict[str, Any], timeout: float) -> float:
    """Seconds of a seed from empty stores."""
    redis = cache_client.connect(get_settings())
    try:
        began = time.monotonic()
        await wait_done(redis, await start_seed(redis, spec), timeout)
        return time.monotonic() - began
    finally:
        await cache_client.close(redis)


async def superseding(spec: dict[str, Any], after: float, wipe: bool, timeout: float) -> tuple[float, str]:
    """Seconds of a run started `after` seconds into another; and what the old run did meanwhile."""
    redis = cache_client.connect(get_settings())
    try:
        old = await start_seed(redis, spec)
        await asyncio.sleep(after)
        before = await progress.progress(redis, old)
        if wipe:
            stores = Stores(get_settings())
            db = await stores.mongo()
            await db.client.drop_database(db.name)
            await stores.close()
        began = time.monotonic()
        new = await start_seed(redis, spec)
        state = await wait_done(redis, new, timeout)
        took = time.monotonic() - began
        old_state = await progress.progress(redis, old)
        assert old_state is not None and old_state["status"] == "superseded", old_state
        done = sum(s["done"] for s in (before or {}).get("stages", {}).values())
        planned = sum(s["chunks"] for s in (before or {}).get("stages", {}).values())
        ends, starts = window(old_state), window(state)
        if ends and starts and ends[1] > starts[0]:
            raise SystemExit(f"the superseded run wrote {ends[1] - starts[0]:.2f} s after the new run's first write")
        return took, f"old run at {done}/{planned} chunks when superseded"
    finally:
        await cache_client.close(redis)


def main() -> int:
    """First seed, then the two superseding ones; print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_size_options(parser)
    parser.add_argument("--at", type=float, default=0.5, help="when the new run starts, as a share of the first")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()
    spec = make_spec(args.movies, args.users, args.reviews)
    workers = worker("supersede-worker", "bulk", args.processes, args.threads)
    rows = []
    try:
        asyncio.run(empty_stores())
        print(f"first seed of {args.movies:,} films, {args.users:,} users, {args.reviews:,} reviews ...", flush=True)
        baseline = asyncio.run(first(spec, args.timeout))
        want = asyncio.run(counts())
        rows.append(("first seed, empty stores", baseline, ""))
        for label, wipe in (("new run over an unfinished one", False), ("the same, MongoDB wiped first", True)):
            asyncio.run(empty_stores())
            print(f"{label} ...", flush=True)
            took, note = asyncio.run(superseding(spec, baseline * args.at, wipe, args.timeout))
            found = asyncio.run(counts())
            if found != want:
                raise SystemExit(f"{label}: counts {found}, the first seed's {want}")
            rows.append((label, took, note))
    finally:
        workers.stop()
    print(f"\ncounts after each: {want}")
    print(f"\n{'run':<34}{'seconds':>9}{'x first':>9}  note")
    for label, took, note in rows:
        print(f"{label:<34}{took:>9.1f}{took / baseline:>9.2f}  {note}")
    worst = max(took for _, took, _ in rows[1:]) / baseline
    verdict = "met" if worst <= GOAL else "MISSED"
    print(f"\nworst superseding run: {worst:.2f}x the first seed (goal <= {GOAL}x): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(run_then_stop(main, STAND_IN))

"""`python -m seeds`: enqueue a seed run and follow its progress until every store is filled."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

from actors import queues
from actors.seeding import plan, start_seed
from cache import client as cache_client
from cache import progress, seedruns
from cache.client import REDIS_DOWN
from config import get_settings
from seeds import vega
from seeds.films import REAL_FILMS
from seeds.plan import DEFAULTS, MAX_MOVIES, make_spec
from seeds.status import report
from stores import Stores

ORDER = ("genres", "movies", "users", "people", "reviews", "library", "profiles")


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m seeds", description=__doc__)
    parser.add_argument("--movies", type=int, default=DEFAULTS["movies"], help="films to seed (default: all)")
    parser.add_argument("--users", type=int, default=DEFAULTS["users"], help="demo users (default 2,000)")
    parser.add_argument("--reviews", type=int, default=DEFAULTS["reviews"], help="reviews (default 200,000)")
    parser.add_argument("--scale", action="store_true", help="allow synthetic films beyond the real ones")
    parser.add_argument("--if-empty", action="store_true", help="seed only when the stores are empty")
    parser.add_argument("--no-wait", action="store_true", help="enqueue and return at once")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the run")
    parser.add_argument("--status", action="store_true", help="show the live run and any superseded one, then exit")
    parser.add_argument("--forget", action="store_true",
                        help="delete every seed run's progress in Redis (what `make clean-data` does), then exit")
    args = parser.parse_args(argv)
    if args.movies > REAL_FILMS and not args.scale:
        parser.error(f"the data set has {REAL_FILMS} films; pass --scale for synthetic ones beyond")
    if args.movies > MAX_MOVIES:
        parser.error(f"at most {MAX_MOVIES:,} films, synthetic ones included")
    if min(args.movies, args.users, args.reviews) < 0 or args.movies < 1 or args.users < 1:
        parser.error("--movies and --users must be positive, --reviews not negative")
    return args


def bar(done: int, total: int, width: int = 28) -> str:
    """A text progress bar."""
    if total <= 0:
        return f"{done:>10,}"
    filled = min(width, int(width * done / total))
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:>10,} / {total:,}"


def render(state: dict[str, Any]) -> str:
    """One block of progress lines, a store per line."""
    stores = state.get("stores", {})
    lines = [f"  {name:<9} {bar(stores[name].get('done', 0), stores[name].get('total', 0))}"
             for name in ORDER if name in stores]
    return "\n".join(lines)


def store_rates(state: dict[str, Any]) -> dict[str, float]:
    """Rows written per second of each store's span (first chunk start to last chunk end) in a finished run."""
    rates = {}
    for name in ORDER:
        span = state.get("timing", {}).get(name, {})
        done = state.get("stores", {}).get(name, {}).get("done", 0)
        if "start" in span and "end" in span and span["end"] > span["start"] and done:
            rates[name] = done / (span["end"] - span["start"])
    return rates


def matched_line(matches: dict[str, int]) -> str:
    """The line that says what the vega-datasets match gave the seeded films."""
    return (f"{vega.PACKAGE} {vega.VERSION}: {matches.get('films_matched', 0):,} films matched, "
            f"{matches.get('films_directed', 0):,} with a real director, {matches.get('real_people', 0):,} real people")


async def is_empty() -> bool:
    """Whether any of the main stores holds nothing yet."""
    stores = Stores(get_settings())
    try:
        counts = await plan.summary(stores)
        return 0 in (counts["movies"], counts["users"], counts["reviews"])
    finally:
        await stores.close()


async def follow(run_id: str, timeout: float) -> int:
    """Print progress until the run is done; 0 when it finished."""
    redis = cache_client.connect(get_settings())
    started, shown = time.monotonic(), 0
    try:
        while time.monotonic() - started < timeout:
            state = await progress.progress(redis, run_id)
            if state is not None:
                block = render(state)
                if sys.stdout.isatty() and shown:
                    sys.stdout.write(f"\x1b[{shown}F")
                print(block, flush=True)
                shown = block.count("\n") + 1
                if state["status"] == "superseded":
                    print(f"seed run {run_id} was superseded by run {state['superseded_by']}", file=sys.stderr)
                    return 1
                if state["status"] == "done":
                    summary = dict(state["summary"] or {})
                    matches = summary.pop("matches", None) or {}
                    print(f"seeded in {time.monotonic() - started:.1f} s: "
                          + ", ".join(f"{k} {v:,}" for k, v in summary.items()))
                    if matches:
                        print(matched_line(matches))
                    rates = store_rates(state)
                    if rates:
                        print("rows/s per store: " + ", ".join(f"{k} {v:,.0f}" for k, v in rates.items()))
                    return 0
            await asyncio.sleep(1.0 if sys.stdout.isatty() else 5.0)
        print(f"still running after {timeout:.0f} s; follow it at /api/jobs/{run_id}/", file=sys.stderr)
        return 1
    finally:
        await cache_client.close(redis)


async def enqueue(spec: dict[str, Any]) -> str:
    """Record the run as a job and send its first message."""
    redis = cache_client.connect(get_settings())
    try:
        return await start_seed(redis, spec)
    finally:
        await cache_client.close(redis)


async def show_status() -> int:
    """Print the live run, its stages and chunks, any superseded run, and the bulk queue."""
    settings = get_settings()
    redis = cache_client.connect(settings)
    try:
        depths = await asyncio.to_thread(queues.depths, settings)
        queued: dict[str, int] | None = {name: n for name, n in depths.items() if name.startswith("bulk")}
    except Exception:
        queued = None
    try:
        print(await report(redis, queued))
    finally:
        await cache_client.close(redis)
    return 0


async def forget() -> int:
    """Delete every seed run's progress, the live-run marker and the leases; a Redis that is down is skipped."""
    redis = cache_client.connect(get_settings())
    try:
        print(f"seed progress cleared ({await seedruns.forget(redis)} keys)")
    except REDIS_DOWN as exc:
        print(f"Redis does not answer ({type(exc).__name__}); no seed progress to clear")
    finally:
        await cache_client.close(redis)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Enqueue a seed run (unless the stores are full and --if-empty) and follow it."""
    args = parse(sys.argv[1:] if argv is None else argv)
    if args.status:
        return asyncio.run(show_status())
    if args.forget:
        return asyncio.run(forget())
    if args.if_empty and not asyncio.run(is_empty()):
        print("the stores already hold data; not seeding (run `make seed` to seed again)")
        return 0
    try:
        vega.ensure_installed()  # once here, before any worker needs it
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    spec = make_spec(args.movies, args.users, args.reviews)
    run_id = asyncio.run(enqueue(spec))
    print(f"seed run {run_id}: {args.movies:,} films, {args.users:,} users, {args.reviews:,} reviews")
    if args.no_wait:
        print(f"enqueued; the workers fill the stores (progress: /api/jobs/{run_id}/)")
        return 0
    return asyncio.run(follow(run_id, args.timeout))


if __name__ == "__main__":
    sys.exit(main())

"""Discover benchmark: uncached film and people lists over HTTP vs bare Dramatiq, measured in the same run.

    .venv/bin/python bench/discover.py [--movies 58788] [--requests 2000] [--single 500] [--clients 16]
                                       [--processes 1] [--threads 4]

Self-contained: it uses the bench namespaces and, unless MONGO_URL is set, a fresh MongoDB stand-in which it
seeds with the demo catalogue (58,788 films, about 4 minutes) through the seed actors. A stand-in given by
MONGO_URL that a finished seed of this bench filled with `--movies` films is reused as it is. Then, with the same
worker processes and threads:

- bare: each client sends a message to an async no-op actor (bench/bare_actors.py) and waits for the key it
  writes to Redis (BLPOP);
- discover: random combinations of every filter and sort of `/api/movies/` (and `/api/genres/{id}/movies/`):
  genre OR-sets and repeats, without_genre, year ranges, rating, votes and runtime bounds, mpaa, person, q,
  every sort, random pages and page sizes, plus `/api/people/?q=`; no query string is asked twice, so each
  is a cache miss that the front door sends to a worker's catalogue index.

It waits for the worker's "catalogue index loaded" before measuring, and counts the answers that came from
the MongoDB fallback instead (the web process's /metrics counts who answered each uncached page); there
should be none. Both sides run side by side and take turns (`--rounds` pairs of slices per phase, in ABBA
order), so that whatever else the machine does weighs on both alike; it prints the CPU each process spent
per request.
Goals: one client at a time, p50 <= 10 ms and p99 <= 50 ms; with 16 concurrent clients, throughput >= 0.8x
the bare round trip and p50 <= 1.25x its p50. Exits non-zero if a query errors or the fallback answered.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.actors import bare
from bench.common import (
    LOGS,
    Child,
    CpuLedger,
    free_port,
    percentile,
    print_cpu,
    seed_bench,
    use_bench_namespaces,
    wait_for,
    worker,
)
from seeds.films import GENRES, REAL_FILMS
from stores.mongo.movies import SORTS, MovieFilter
from textfold import MIN_PREFIX, words

MPAA = ("G", "PG", "PG-13", "R", "NC-17")
LOADED = "catalogue index loaded"


@dataclass
class Sample:
    """What random queries are drawn from: films' title words and people, and people's name words."""

    film_words: list[tuple[str, ...]] = field(default_factory=list)
    film_people: list[list[int]] = field(default_factory=list)
    person_words: list[tuple[str, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class Query:
    """One list request: its path and query string, and what the index is asked for it."""

    path: str
    args: list[tuple[str, str]]
    kind: str  # "movies" or "people"
    movie_filter: MovieFilter
    query_words: tuple[str, ...]
    sort: str
    page: int
    size: int

    @property
    def names_genre(self) -> bool:
        """Whether a genre is named rather than given by id (the front door then looks it up in MongoDB)."""
        return any(name in ("genre", "without_genre") and not value.replace("|", "").isdigit()
                   for name, value in self.args)

    @property
    def url(self) -> str:
        """Path and query string."""
        from urllib.parse import urlencode

        return f"{self.path}?{urlencode(self.args)}"


def _genre(rng: random.Random, genre_id: int) -> str:
    """A genre as the URL names it: by id or by name."""
    return str(genre_id) if rng.random() < 0.5 else dict(GENRES)[genre_id]


def _phrase(rng: random.Random, held: tuple[str, ...]) -> str:
    """One or two words of a title or name, the last one maybe cut to a prefix."""
    start = rng.randrange(len(held))
    chosen = list(held[start : start + rng.choice((1, 1, 2))])
    if len(chosen[-1]) > MIN_PREFIX and rng.random() < 0.5:
        chosen[-1] = chosen[-1][: rng.randint(MIN_PREFIX, len(chosen[-1]) - 1)]
    return " ".join(chosen)


def _page(rng: random.Random) -> int:
    roll = rng.random()
    return 1 if roll < 0.5 else rng.randint(2, 5) if roll < 0.8 else rng.randint(6, 300)


def _range(rng: random.Random, values: list[float]) -> tuple[float | None, float | None]:
    low, high = sorted(rng.sample(values, 2))
    roll = rng.random()
    return (low, None) if roll < 0.4 else (None, high) if roll < 0.7 else (low, high)


def draw_movies(rng: random.Random, sample: Sample) -> Query:
    """A random film list: a few of the filters, any sort, a random page."""
    args: list[tuple[str, str]] = []
    ids = [gid for gid, _ in GENRES]
    kinds = rng.sample(["genre", "without_genre", "year", "rating", "votes", "runtime", "mpaa", "person", "q"],
                       rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4)))
    sets: list[tuple[int, ...]] = []
    without: set[int] = set()
    year: tuple[int | None, int | None] = (None, None)
    ranges: dict[str, tuple[Any, Any]] = {}
    mpaa = None
    person_ids: set[int] = set()
    q_words: tuple[str, ...] = ()
    if "genre" in kinds:
        for _ in range(rng.choice((1, 1, 2))):
            chosen = rng.sample(ids, rng.choice((1, 1, 2, 3)))
            args.append(("genre", "|".join(_genre(rng, g) for g in chosen)))
            sets.append(tuple(sorted(chosen)))
    if "without_genre" in kinds:
        others = [g for g in ids if not any(g in s for s in sets)]
        for g in rng.sample(others, min(len(others), rng.choice((1, 1, 2)))):
            args.append(("without_genre", _genre(rng, g)))
            without.add(g)
    if "year" in kinds:
        if rng.random() < 0.3:
            exact = rng.randint(1930, 2005)
            args.append(("year", str(exact)))
            year = (exact, exact)
        else:
            low, high = _range(rng, list(range(1900, 2006)))
            year = (None if low is None else int(low), None if high is None else int(high))
            args += [(name, str(v)) for name, v in (("year_from", year[0]), ("year_to", year[1])) if v is not None]
    for name, values, whole in (("rating", [x / 2 for x in range(2, 20)], False),
                                ("votes", [5, 10, 50, 100, 500, 1000, 5000, 20000], True),
                                ("runtime", [5, 15, 30, 60, 80, 90, 100, 120, 150, 200], True)):
        if name in kinds:
            low, high = _range(rng, values)
            if whole:
                low, high = (None if low is None else int(low)), (None if high is None else int(high))
            ranges[name] = (low, high)
            args += [(f"{side}_{name}", str(v)) for side, v in (("min", low), ("max", high)) if v is not None]
    if "mpaa" in kinds:
        mpaa = rng.choice(MPAA)
        args.append(("mpaa", mpaa if rng.random() < 0.7 else mpaa.lower()))
    if "person" in kinds and sample.film_people:
        credited = rng.choice([p for p in sample.film_people if p] or [[1]])
        for person_id in rng.sample(credited, min(len(credited), rng.choice((1, 1, 2)))):
            args.append(("person", str(person_id)))
            person_ids.add(person_id)
    if "q" in kinds and sample.film_words:
        phrase = _phrase(rng, rng.choice([w for w in sample.film_words if w]))
        args.append(("q", phrase))
        q_words = tuple(words(phrase)[:10])
    path = "/api/movies/"
    if rng.random() < 0.15:
        genre_id = rng.choice(ids)
        path = f"/api/genres/{genre_id}/movies/"
        sets = [s for s in sets if genre_id not in s] + [(genre_id,)]
    sort = "-popularity"
    if rng.random() < 0.9:
        sort = rng.choice(["-", ""]) + rng.choice(list(SORTS))
        args.append(("sort", sort))
    page, size = _page(rng), rng.randint(1, 100)
    args += [("page", str(page)), ("page_size", str(size))]
    movie_filter = MovieFilter(
        genre_sets=tuple(s for s in dict.fromkeys(sets) if s), without_genres=tuple(sorted(without)), year=year,
        rating=ranges.get("rating", (None, None)), votes=ranges.get("votes", (None, None)),
        runtime=ranges.get("runtime", (None, None)), mpaa=mpaa, person_ids=tuple(sorted(person_ids)),
        words=q_words)
    return Query(path, args, "movies", movie_filter, (), sort, page, size)


def draw_people(rng: random.Random, sample: Sample) -> Query:
    """A random people list: a name prefix or words (or none), a random page."""
    args: list[tuple[str, str]] = []
    q_words: tuple[str, ...] = ()
    if sample.person_words and rng.random() < 0.9:
        phrase = _phrase(rng, rng.choice([w for w in sample.person_words if w]))
        args.append(("q", phrase))
        q_words = tuple(words(phrase)[:6])
    page, size = _page(rng), rng.randint(1, 100)
    args += [("page", str(page)), ("page_size", str(size))]
    return Query("/api/people/", args, "people", MovieFilter(), q_words, "-popularity", page, size)


def draw(rng: random.Random, sample: Sample, count: int, asked: set[str]) -> list[Query]:
    """`count` random list queries (one in ten of people), none of them in `asked` (which they join)."""
    found: list[Query] = []
    while len(found) < count:
        query = draw_people(rng, sample) if rng.random() < 0.1 else draw_movies(rng, sample)
        if query.url not in asked:
            asked.add(query.url)
            found.append(query)
    return found


async def catalogue_sample(limit: int = 4000) -> tuple[int, int, Sample]:
    """(films, people, a sample of their words and credits) of the bench catalogue."""
    from config import get_settings
    from stores import mongo

    db = await mongo.connect(get_settings())
    try:
        films, people = await db.movies.count_documents({}), await db.people.count_documents({})
        sample = Sample()
        async for doc in db.movies.find({}, {"words": 1, "person_ids": 1}).limit(limit):
            sample.film_words.append(tuple(doc.get("words") or ()))
            sample.film_people.append(list(doc.get("person_ids") or ()))
        async for doc in db.people.find({}, {"words": 1}).limit(limit):
            sample.person_words.append(tuple(doc.get("words") or ()))
        return films, people, sample
    finally:
        await mongo.close(db)


@dataclass
class Outcome:
    """What one phase of list requests did."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)  # in the order of `latencies`
    past_end: int = 0
    errors: list[str] = field(default_factory=list)


async def lists(base: str, queries: list[Query], concurrency: int) -> Outcome:
    """Send the queries with `concurrency` clients in a closed loop; 200, or 404 for a page past the end."""
    import aiohttp

    outcome = Outcome()
    pending = iter(queries)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def client() -> None:
            for query in pending:
                began = time.perf_counter()
                async with session.get(base + query.url) as response:
                    body = await response.read()
                outcome.latencies.append((time.perf_counter() - began) * 1000)
                outcome.queries.append(query)
                if response.status == 404 and query.page > 1:
                    outcome.past_end += 1
                elif response.status != 200:
                    outcome.errors.append(f"{query.url} answered {response.status}: {body[:200]!r}")
                elif not isinstance(orjson.loads(body).get("count"), int):
                    outcome.errors.append(f"{query.url} answered without a count")

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        outcome.seconds = time.perf_counter() - started
    return outcome


def log_times(name: str, text: str) -> list[float]:
    """Wall-clock times of the lines of .data/bench/<name>.log that contain `text` (asctime format)."""
    path = LOGS / f"{name}.log"
    found = []
    for line in path.read_text(errors="replace").splitlines() if path.exists() else ():
        stamp = re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3})", line)
        if text in line and stamp:
            found.append(time.mktime(time.strptime(stamp[1], "%Y-%m-%d %H:%M:%S")) + int(stamp[2]) / 1000)
    return found


def list_answers(base: str) -> dict[str, float]:
    """The web process's count of uncached list pages by who answered them (`index`, `mongo`), from /metrics."""
    import urllib.request

    text = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
    found = re.findall(r'^movieverse_list_answers_total\{source="(\w+)"\} ([0-9.e+]+)$', text, re.MULTILINE)
    return {source: float(value) for source, value in found}


def wait_for_index(worker_name: str, seconds: float = 600) -> None:
    """Block until the worker's log says its catalogue index is loaded."""
    deadline = time.monotonic() + seconds
    while not log_times(worker_name, LOADED):
        if time.monotonic() > deadline:
            raise SystemExit(f"the worker did not load its catalogue index in {seconds:.0f} s")
        time.sleep(0.5)
    line = next(ln for ln in (LOGS / f"{worker_name}.log").read_text().splitlines() if LOADED in ln)
    print(f"  {line[line.index(LOADED):]}", flush=True)


def prepare_catalogue(movies: int, started: list[Child]) -> None:
    """Seed the bench namespaces with `movies` films, unless the stand-in MONGO_URL names already holds them."""
    seeded = LOGS / "seeded-catalogue"  # what the last finished seed wrote, and where
    if os.environ.get("MONGO_URL"):
        use_bench_namespaces()
        films, people, _ = asyncio.run(catalogue_sample(1))
        if seeded.exists() and seeded.read_text() == f"{os.environ['MONGO_URL']} {movies}" and films == movies:
            from cache import client
            from config import load

            bench = load()
            assert client.separate(bench), "benchmarks never empty Redis database 0 (on a cluster: REDIS_PREFIX)"
            client.clear_sync(bench)  # no cached pages from an earlier run
            print(f"reusing the catalogue at MONGO_URL ({films:,} films, {people:,} people)", flush=True)
            return
    began = time.perf_counter()
    seeded.unlink(missing_ok=True)
    seed_bench(movies, started)
    seeded.write_text(f"{os.environ['MONGO_URL']} {movies}")
    print(f"  seeded in {time.perf_counter() - began:.0f} s", flush=True)


def row(name: str, seconds: float, latencies: list[float], base: tuple[float, float] | None) -> tuple[float, float]:
    """Print one line of the table; returns (rate, p50)."""
    rate, p50, p99 = len(latencies) / seconds, percentile(latencies, 50), percentile(latencies, 99)
    ratios = f"{rate / base[0]:>9.2f}{p50 / base[1]:>9.2f}" if base else f"{'':>9}{'':>9}"
    print(f"{name:<38}{len(latencies):>7}{rate:>9,.0f}{p50:>9.2f}{p99:>9.2f}{ratios}")
    return rate, p50


def verdict(name: str, value: float, goal: float, unit: str, at_most: bool = True) -> bool:
    """Print whether one goal is met; returns it."""
    met = value <= goal if at_most else value >= goal
    sign = "<=" if at_most else ">="
    print(f"  {name} {value:.2f}{unit} (goal {sign} {goal:g}{unit}): {'met' if met else 'NOT met'}")
    return met


@dataclass
class Side:
    """One side of the comparison (bare or discover) at one concurrency, summed over its slices."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)

    def add(self, seconds: float, latencies: list[float], cpu: dict[str, float]) -> None:
        """Count one slice."""
        self.seconds += seconds
        self.latencies += latencies
        for role, spent in cpu.items():
            self.cpu[role] = self.cpu.get(role, 0.0) + spent


def measure(base: str, started: list[Child], queries: list[Query], concurrency: int, rounds: int,
            bare_side: Side, discover_side: Side, outcome: Outcome, counted: dict[str, float]) -> None:
    """`rounds` pairs of slices, bare and discover in turn (ABBA order), so that whatever else the machine
    does in the meantime weighs on both sides alike."""
    size = -(-len(queries) // rounds)
    for turn in range(rounds):
        chunk = queries[turn * size : (turn + 1) * size]
        for side in (("bare", "discover") if turn % 2 == 0 else ("discover", "bare")):
            ledger = CpuLedger(started)
            if side == "bare":
                seconds, latencies = asyncio.run(bare(len(chunk), concurrency, warm=0))
                bare_side.add(seconds, latencies, ledger.spent())
                continue
            before = list_answers(base)
            found = asyncio.run(lists(base, chunk, concurrency))
            discover_side.add(found.seconds, found.latencies, ledger.spent())
            after = list_answers(base)
            for source in after:
                counted[source] = counted.get(source, 0) + after[source] - before.get(source, 0)
            outcome.latencies += found.latencies
            outcome.queries += found.queries
            outcome.past_end += found.past_end
            outcome.errors += found.errors


def main() -> int:
    """Seed (or reuse), then measure bare Dramatiq and discover, in turns, one at a time and with concurrent
    clients."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--movies", type=int, default=REAL_FILMS, help="films in the catalogue (default: all)")
    parser.add_argument("--requests", type=int, default=2000, help="requests of each concurrent phase")
    parser.add_argument("--single", type=int, default=500, help="requests sent one at a time")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4, help="turns of bare and discover slices in each phase")
    parser.add_argument("--seed", type=int, default=14, help="of the random queries")
    args = parser.parse_args()
    started: list[Child] = []
    sides = {name: (Side(), Side()) for name in ("single", "concurrent")}
    outcomes = {name: Outcome() for name in sides}
    counted: dict[str, dict[str, float]] = {name: {} for name in sides}
    try:
        prepare_catalogue(args.movies, started)
        films, people, sample = asyncio.run(catalogue_sample())
        print(f"catalogue: {films:,} films, {people:,} people", flush=True)
        rng, asked = random.Random(args.seed), set[str]()
        warm, single, concurrent = (draw(rng, sample, n, asked) for n in (100, args.single, args.requests))

        print(f"bare Dramatiq and MovieVerse ({args.processes} processes x {args.threads} threads each) ...",
              flush=True)
        started.append(worker("bare-worker", "bench_bare", args.processes, args.threads, "bench.bare_actors"))
        port = free_port()
        os.environ.update(PORT=str(port), WEB_CONCURRENCY="1")
        started.append(worker("discover-worker", "interactive default", args.processes, args.threads))
        wait_for_index("discover-worker")
        started.append(Child("discover-web", [sys.executable, "-m", "front.server"]))
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        asyncio.run(bare(50, 4))
        warmed = asyncio.run(lists(base, warm, 4))
        for name, queries, concurrency in (("single", single, 1), ("concurrent", concurrent, args.clients)):
            os.system("uptime")
            measure(base, started, queries, concurrency, args.rounds, *sides[name], outcomes[name], counted[name])
        os.system("uptime")
    finally:
        for child in reversed(started):
            child.stop()

    print(f"\n{'':<38}{'reqs':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'x rate':>9}{'x p50':>9}")
    (bare_single, single_side), (bare_many, many_side) = sides["single"], sides["concurrent"]
    row("bare Dramatiq + Redis, 1 client", bare_single.seconds, bare_single.latencies, None)
    base_many = row(f"bare Dramatiq + Redis, {args.clients} clients", bare_many.seconds, bare_many.latencies, None)
    row("discover, 1 client", single_side.seconds, single_side.latencies, None)
    rate, p50 = row(f"discover, {args.clients} clients", many_side.seconds, many_side.latencies, base_many)
    for name, outcome in (("1 client", outcomes["single"]), (f"{args.clients} clients", outcomes["concurrent"])):
        for label, test in (("people", lambda q: q.kind == "people"),
                            ("films, a genre by name", lambda q: q.kind == "movies" and q.names_genre),
                            ("films, genres by id or none", lambda q: q.kind == "movies" and not q.names_genre)):
            chosen = [ms for ms, q in zip(outcome.latencies, outcome.queries, strict=True) if test(q)]
            print(f"  {name:<11}{label:<29}{len(chosen):>5}{percentile(chosen, 50):>9.2f}"
                  f"{percentile(chosen, 99):>9.2f}")
    print_cpu(f"bare Dramatiq + Redis, {args.clients} clients", bare_many.cpu, len(bare_many.latencies))
    print_cpu(f"discover, {args.clients} clients", many_side.cpu, len(many_side.latencies))
    errors = warmed.errors + [e for outcome in outcomes.values() for e in outcome.errors]
    past_end = warmed.past_end + sum(outcome.past_end for outcome in outcomes.values())
    mongo = {name: int(answers.get("mongo", 0)) for name, answers in counted.items()}
    index = {name: int(answers.get("index", 0)) for name, answers in counted.items()}
    print(f"\npages past the end (404 from the count): {past_end}; errors: {len(errors)}")
    print(f"uncached pages answered by the index {index}, by the MongoDB fallback {mongo} (/metrics)")
    for error in errors[:10]:
        print(f"  {error}")
    print()
    verdict("one at a time p50", percentile(single_side.latencies, 50), 10, " ms")
    verdict("one at a time p99", percentile(single_side.latencies, 99), 50, " ms")
    verdict(f"{args.clients} clients throughput", rate / base_many[0], 0.8, "x bare", at_most=False)
    verdict(f"{args.clients} clients p50", p50 / base_many[1], 1.25, "x bare")
    return 1 if errors or any(mongo.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

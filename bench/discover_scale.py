"""Discover at scale: the catalogue index of a generated 1,000,000-film catalogue, its memory and one query's time.

    .venv/bin/python bench/discover_scale.py [--films 1000000] [--queries 2000] [--jobs 2] [--regenerate]

Seeding a million films into the MongoDB stand-in takes about an hour, so this builds the index without
MongoDB: the seed's own generators (seeds/films.py `films_between`, seeds/people.py `with_credits`, then
stores/mongo/movies.py `prepare`) make the films, the people credited on them get their documents as the seed
makes them (name, department, popularity from their films, stores/mongo/people.py `prepare`), and what the
index reads of each (stores/mongo/catalogue.py FILM_FIELDS, PERSON_FIELDS) is written once to
.data/bench/scale-<films>.*.jsonl and reused. A fresh process then streams those documents into `Films` and
`People` as a worker's load does (no list of a million dicts is held), and reports the resident memory the
index adds (RSS after the build, which hands freed memory back as a worker's load does, garbage
collected, minus RSS before it; or after the queries, which build the lazy caches of sort ranks and
genre bits, if that is more, once the worker's idle trim handed back what they freed: actors.catalogue
IdleTrim), the peak, the RSS right after the queries (busy), `Catalogue.nbytes`, and
the time of one query in the worker (`films.page`, `people.page`) over random combinations of every filter,
sort and page (drawn as bench/discover.py draws them). Goals: p50 <= 20 ms; the index adds <= 200 MB RSS.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import subprocess
import sys
import time
from array import array
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import LOGS, percentile
from bench.discover import Sample, draw
from stores.mongo.catalogue import FILM_FIELDS, PERSON_FIELDS

NOW = datetime(2025, 1, 1, tzinfo=UTC)
CHUNK = 20_000
SAMPLE = 4000


def project(doc: dict[str, Any], fields: dict[str, int]) -> dict[str, Any]:
    """The fields a MongoDB projection like `fields` (dotted paths allowed) keeps of a document."""
    kept: dict[str, Any] = {"_id": doc["_id"]}
    for path in fields:
        top, _, rest = path.partition(".")
        if top not in doc:
            continue
        if not rest:
            kept[top] = doc[top]
        elif isinstance(doc[top], dict) and rest in doc[top]:
            kept.setdefault(top, {})[rest] = doc[top][rest]
    return kept


def film_chunk(start: int, end: int, pool_size: int) -> tuple[bytes, bytes, bytes]:
    """Films [start, end) as the seed makes them, projected; and (person id, film popularity) per credit."""
    from seeds.films import films_between
    from seeds.people import people_pool, with_credits
    from seeds.vega import film_document
    from stores.mongo.movies import prepare

    pool = people_pool(pool_size)
    lines, credited, popularity = [], array("i"), array("d")
    for film in films_between(start, end):
        doc = prepare(with_credits(film_document(film), film, pool), NOW)
        lines.append(orjson.dumps(project(doc, FILM_FIELDS)))
        credited.extend(doc["person_ids"])
        popularity.extend([doc["popularity"]] * len(doc["person_ids"]))
    return b"\n".join(lines) + b"\n", credited.tobytes(), popularity.tobytes()


def people_chunk(ids: list[int], popularity: list[float], pool_size: int) -> bytes:
    """The given people's documents (as seeds/careers.py makes them, with that popularity), projected."""
    from seeds.people import people_pool
    from seeds.vega import director_ids
    from stores.mongo.people import prepare

    pool = people_pool(pool_size)
    real = {person_id: name for name, person_id in director_ids().items()}
    lines = []
    for person_id, value in zip(ids, popularity, strict=True):
        if person_id in real:  # a real director of a film matched in vega-datasets
            name, department = real[person_id], "Directing"
        else:
            name, department = pool.people[person_id - 1].name, pool.people[person_id - 1].department
        doc = prepare({"_id": person_id, "name": name, "known_for_department": department, "popularity": value})
        lines.append(orjson.dumps(project(doc, PERSON_FIELDS)))
    return b"\n".join(lines) + b"\n" if lines else b""


def careers(credited: np.ndarray, popularity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(person ids, popularity): the mean of a person's five most popular films plus 0.5 per film (careers.py)."""
    order = np.lexsort((-popularity, credited))
    credited, popularity = credited[order], popularity[order]
    ids, first, counts = np.unique(credited, return_index=True, return_counts=True)
    rank = np.arange(len(credited)) - np.repeat(first, counts)
    top = np.bincount(np.repeat(np.arange(len(ids)), counts)[rank < 5], weights=popularity[rank < 5],
                      minlength=len(ids))
    return ids, np.round(top / 5 + counts * 0.5, 3)


def generate(films: int, jobs: int, films_path: Path, people_path: Path) -> None:
    """Write the projected film and people documents of a generated catalogue of `films` films."""
    from seeds.people import pool_size

    size = pool_size(films)
    began = time.perf_counter()
    credited, popularity = array("i"), array("d")
    with ProcessPoolExecutor(jobs) as pool, open(f"{films_path}.part", "wb") as out:
        starts = range(1, films + 1, CHUNK)
        for done, (lines, ids, pops) in enumerate(pool.map(film_chunk, starts, [min(s + CHUNK, films + 1)
                                                                               for s in starts], [size] * len(starts))):
            out.write(lines)
            credited.frombytes(ids)
            popularity.frombytes(pops)
            print(f"\r  films {min((done + 1) * CHUNK, films):>9,} ({time.perf_counter() - began:.0f} s)", end="",
                  flush=True)
        person_ids, person_popularity = careers(np.frombuffer(credited, dtype=np.int32),
                                                np.frombuffer(popularity, dtype=np.float64))
        del credited, popularity
        with open(f"{people_path}.part", "wb") as people_out:
            bounds = range(0, len(person_ids), CHUNK)
            for lines in pool.map(people_chunk, [person_ids[b : b + CHUNK].tolist() for b in bounds],
                                  [person_popularity[b : b + CHUNK].tolist() for b in bounds], [size] * len(bounds)):
                people_out.write(lines)
    os.replace(f"{films_path}.part", films_path)
    os.replace(f"{people_path}.part", people_path)
    print(f"\n  {films:,} films and {len(person_ids):,} people generated in {time.perf_counter() - began:.0f} s")


def rss() -> tuple[int, int]:
    """(resident, peak resident) bytes of this process."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def load(shelf: Any, path: Path) -> Any:
    """Stream the documents of a file into the shelf."""
    with open(path, "rb") as lines:
        for line in lines:
            shelf.add(orjson.loads(line))
    return shelf


def sample(path: Path, every: int) -> list[dict[str, Any]]:
    """The words and credits of every `every`-th document of a file (what the random queries are drawn from).

    Read before the build, so these long-lived objects do not sit among the build's short-lived ones
    (which would keep the allocator from handing that memory back, as nothing in a worker does)."""
    kept = []
    with open(path, "rb") as lines:
        for i, line in enumerate(lines):
            if i % every == 0:
                doc = orjson.loads(line)
                kept.append({"words": doc.get("words"), "person_ids": doc.get("person_ids")})
    return kept


def measure(films: int, films_path: Path, people_path: Path, queries: int, seed: int) -> dict[str, Any]:
    """Build the index in this (fresh) process and time random queries against it."""
    from actors.catalogue import Catalogue, Films, IdleTrim, People

    film_sample = sample(films_path, max(1, films // SAMPLE))
    person_sample = sample(people_path, max(1, films // SAMPLE // 2))
    gc.collect()
    before, _ = rss()
    began = time.perf_counter()
    index = Catalogue.finished(load(Films(), films_path), load(People(), people_path))
    built = time.perf_counter() - began
    gc.collect()
    after, peak = rss()
    drawn = Sample([tuple(d["words"] or ()) for d in film_sample], [list(d["person_ids"] or ()) for d in film_sample],
                   [tuple(d["words"] or ()) for d in person_sample])
    timings: dict[str, list[float]] = {"movies": [], "people": []}
    counts: list[int] = []
    for query in draw(random.Random(seed), drawn, queries, set()):
        skip = (query.page - 1) * query.size
        start = time.perf_counter()
        if query.kind == "movies":
            count, _ = index.films.page(query.movie_filter, query.sort, skip, query.size)
        else:
            count, _ = index.people.page(query.query_words, skip, query.size)
        timings[query.kind].append((time.perf_counter() - start) * 1000)
        counts.append(count)
    # The queries build the index's lazy caches (each sort's ranks, the genres' packed bits): count them too,
    # right after the queries (busy) and once the worker's idle trim has run (at rest), as a worker does it.
    gc.collect()
    queried, _ = rss()
    trim = IdleTrim()
    trim.used()
    trim.tick()
    trimming = time.perf_counter()
    trim.tick()
    trimmed = time.perf_counter() - trimming
    rested, _ = rss()
    return {"sizes": index.sizes(), "nbytes": index.nbytes, "films_nbytes": index.films.nbytes,
            "people_nbytes": index.people.nbytes, "before": before, "after": after, "queried": queried,
            "rested": rested, "trim_ms": trimmed * 1000, "peak": peak,
            "build_seconds": built, "timings": timings,
            "empty": sum(c == 0 for c in counts), "median_count": int(np.median(counts))}


def report(result: dict[str, Any]) -> int:
    """Print the memory and the query times, and whether the goals are met."""
    mb = 2**20
    added = (max(result["after"], result["rested"]) - result["before"]) / mb
    print(f"\nindex: {result['sizes']['movie']:,} films, {result['sizes']['person']:,} people, "
          f"built in {result['build_seconds']:.0f} s")
    print(f"  RSS before {result['before'] / mb:,.0f} MB, after the build {result['after'] / mb:,.0f} MB "
          f"(peak {result['peak'] / mb:,.0f} MB)")
    print(f"  after the queries {result['queried'] / mb:,.0f} MB busy, {result['rested'] / mb:,.0f} MB at rest "
          f"(after the worker's idle trim, which took {result['trim_ms']:.1f} ms)")
    print(f"  Catalogue.nbytes {result['nbytes'] / mb:,.1f} MB (films {result['films_nbytes'] / mb:,.1f}, "
          f"people {result['people_nbytes'] / mb:,.1f})")
    print(f"\n{'query in the worker':<24}{'n':>7}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    every = [t for values in result["timings"].values() for t in values]
    for kind, values in (*result["timings"].items(), ("all", every)):
        print(f"{kind:<24}{len(values):>7}{percentile(values, 50):>9.2f}{percentile(values, 90):>9.2f}"
              f"{percentile(values, 99):>9.2f}{max(values):>9.2f}")
    print(f"  {result['empty']} queries matched nothing; median count {result['median_count']:,}")
    p50 = percentile(every, 50)
    print(f"\n  one query p50 {p50:.2f} ms (goal <= 20 ms): {'met' if p50 <= 20 else 'NOT met'}")
    print(f"  index adds {added:,.0f} MB RSS (goal <= 200 MB): {'met' if added <= 200 else 'NOT met'}")
    return 0


def main() -> int:
    """Generate the catalogue once, then measure in a fresh process."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--films", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2, help="processes generating the catalogue")
    parser.add_argument("--seed", type=int, default=14, help="of the random queries")
    parser.add_argument("--regenerate", action="store_true", help="generate the catalogue again")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    films_path, people_path = (LOGS / f"scale-{args.films}.{kind}.jsonl" for kind in ("films", "people"))
    if args.measure:
        sys.stdout.write(orjson.dumps(measure(args.films, films_path, people_path, args.queries, args.seed)).decode())
        return 0
    LOGS.mkdir(parents=True, exist_ok=True)
    if args.regenerate or not (films_path.exists() and people_path.exists()):
        print(f"generating {args.films:,} films ({args.jobs} processes) ...", flush=True)
        generate(args.films, args.jobs, films_path, people_path)
    print("building the index in a fresh process ...", flush=True)
    os.system("uptime")
    child = subprocess.run([sys.executable, __file__, "--measure", f"--films={args.films}",
                            f"--queries={args.queries}", f"--seed={args.seed}"], check=True, capture_output=True)
    os.system("uptime")
    return report(orjson.loads(child.stdout))


if __name__ == "__main__":
    sys.exit(main())

"""Every Redis key MovieVerse uses is built here."""

from __future__ import annotations

import hashlib

import orjson

PREFIX = "mv:"
DONE, INVALIDATE = "jobs:done", "invalidate"  # the channels: job ends, changed entries
CATALOGUE_VERSION = PREFIX + "catalogue:version"
SEED_LIVE = PREFIX + "seed-live"  # the live seed run's id
SEED_RUNS = PREFIX + "seed-runs"  # the latest seed runs by start time
SEED_LEASES = PREFIX + "seed-leases"  # the chunks being written, with their leases


def channel(name: str, database: int) -> str:
    """A pub/sub channel of one Redis database. Pub/sub ignores database numbers, so the number is in the name:
    deployments, tests and benchmarks that share a Redis server by database never hear each other."""
    return f"{PREFIX}{database}:{name}"


def work_key(kind: str, params: dict[str, object]) -> str:
    """A deterministic key for a piece of work: its kind and a hash of its normalised parameters."""
    digest = hashlib.blake2b(orjson.dumps(params, option=orjson.OPT_SORT_KEYS), digest_size=16)
    return f"{kind}:{digest.hexdigest()}"


def work_key_pattern(kind: str) -> str:
    """A SCAN pattern matching every work key of one kind."""
    return f"{kind}:*"


def result(key: str) -> str:
    """Where the result of a piece of work is kept."""
    return f"{PREFIX}result:{key}"


def inflight(key: str) -> str:
    """Which job is computing a piece of work right now."""
    return f"{PREFIX}inflight:{key}"


def job(job_id: str) -> str:
    """The record of one job."""
    return f"{PREFIX}job:{job_id}"


def cached(name: str) -> str:
    """A cache-aside entry."""
    return f"{PREFIX}cache:{name}"


def list_entry(work: str) -> str:
    """The cache-aside entry of a list page answered by MongoDB, named by its work key."""
    return f"list:{work}"


def page_entry(version: int, path: str, query: str) -> str:
    """A web process's local copy of a list page as it answered it, under a catalogue version."""
    return cached(f"raw:{version}:{path}?{query}")


def movie_entry(movie_id: int) -> str:
    """The name of a movie's cache-aside entry (its full detail)."""
    return f"movie:{movie_id}"


def person_entry(person_id: int) -> str:
    """The name of a person's cache-aside entry (their detail with credits)."""
    return f"person:{person_id}"


def lock(name: str) -> str:
    """A lock: the single-flight lock of a cache-aside entry, or of work that runs once at a time."""
    return f"{PREFIX}lock:{name}"


def counter(name: str) -> str:
    """A rate-limit counter."""
    return f"{PREFIX}rate:{name}"


def recommendations(user_id: int) -> str:
    """The work key of a user's recommendations."""
    return work_key("recommendations", {"user_id": user_id})


def schedule(task: str, period: int) -> str:
    """The marker that one period of a periodic task was sent."""
    return f"{PREFIX}schedule:{task}:{period}"


def debounce(name: str) -> str:
    """The marker that holds back repeats of some work during its debounce window."""
    return f"{PREFIX}debounce:{name}"


def seed_job(run_id: str) -> str:
    """The work key of a seed run's job."""
    return f"seed:{run_id}"


def seed_run(run_id: str) -> str:
    """A seed run's progress record."""
    return f"{PREFIX}seed:{run_id}"


def seed_chunks(run_id: str, stage: str) -> str:
    """The chunks of one stage of a seed run that were counted."""
    return f"{PREFIX}seed:{run_id}:chunks:{stage}"


def seed_spans(run_id: str) -> str:
    """The first start and last end of each store's chunks in a seed run."""
    return f"{PREFIX}seed:{run_id}:spans"


def seed_sent(run_id: str, stage: str) -> str:
    """The marker that the stage after this one of a seed run was sent."""
    return f"{PREFIX}seed:{run_id}:sent:{stage}"


def seed_pattern() -> str:
    """A SCAN pattern matching every key of every seed run, the live-run marker and the leases."""
    return f"{PREFIX}seed*"


def export_job(user_id: int, job_id: str) -> str:
    """Which export of a member a job makes (set when the member asks for it: no one else finds it)."""
    return f"{PREFIX}export:{user_id}:job:{job_id}"


def export_files(user_id: int, export_id: str) -> str:
    """The files of one export of a member, by name."""
    return f"{PREFIX}export:{user_id}:files:{export_id}"

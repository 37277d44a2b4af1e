"""Every Redis key MovieVerse uses is built here."""

from __future__ import annotations

import hashlib

import orjson

PREFIX = "mv:"
DONE, INVALIDATE = "jobs:done", "invalidate"  # the channels: job ends, changed entries
CATALOGUE_VERSION = PREFIX + "catalogue:version"


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

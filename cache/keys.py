"""Every Redis key MovieVerse uses is built here.

Keys that one script or transaction touches together share a hash tag (the part in `{}`), so they
hash to one slot and the same code runs on one Redis and on a Redis Cluster:

- a piece of work's result and in-flight marker, and the record of each job doing it: the tag is the
  first four hex digits of the work key's last part (`tag`), and a job id starts with its work's tag;
- a seed run's record, chunks, spans and stage markers: the run id; the live-run marker, the recent
  runs and the leases: `{seed}`;
- rate-limit counters: their family (`login`, `reset`, `work`), since a throttle reserves several
  counters of one family at once.

`REDIS_PREFIX` (config.py) goes before every key and channel: deployments, tests and benchmarks
that share one Redis Cluster (only database 0) keep apart by it.
"""

from __future__ import annotations

import hashlib
import re

import orjson

from config import read_setting

PREFIX = f"{read_setting('redis_prefix')}mv:"
DONE, INVALIDATE = "jobs:done", "invalidate"  # the channels: job ends, changed entries
CATALOGUE_VERSION = PREFIX + "catalogue:version"
SEED_LIVE = PREFIX + "seed-live:{seed}"  # the live seed run's id
SEED_RUNS = PREFIX + "seed-runs:{seed}"  # the latest seed runs by start time
SEED_LEASES = PREFIX + "seed-leases:{seed}"  # the chunks being written, with their leases
TAG_LENGTH = 4
_HEX = re.compile(r"[0-9a-f]{4}")


def channel(name: str, database: int) -> str:
    """A pub/sub channel of one Redis database. Pub/sub ignores database numbers, so the number is in the name
    (and the prefix): deployments, tests and benchmarks that share a Redis server by database (or a cluster by
    prefix) never hear each other."""
    return f"{PREFIX}{database}:{name}"


def work_key(kind: str, params: dict[str, object]) -> str:
    """A deterministic key for a piece of work: its kind and a hash of its normalised parameters."""
    digest = hashlib.blake2b(orjson.dumps(params, option=orjson.OPT_SORT_KEYS), digest_size=16)
    return f"{kind}:{digest.hexdigest()}"


def tag(key: str) -> str:
    """The hash tag of a piece of work: the first hex digits of its key's last part (a digest or a run id),
    else of a digest of the key."""
    last = key.rpartition(":")[2]
    if _HEX.match(last):
        return last[:TAG_LENGTH]
    return hashlib.blake2b(key.encode(), digest_size=TAG_LENGTH // 2).hexdigest()


def _tagged(key: str) -> str:
    head, colon, last = key.rpartition(":")
    found = tag(key)
    if last.startswith(found):
        return f"{head}{colon}{{{found}}}{last[TAG_LENGTH:]}"
    return f"{{{found}}}{key}"


def job_id(key: str, unique: str) -> str:
    """A new job id for a piece of work: 32 hex digits, the first ones the work's tag, the rest from `unique`."""
    return tag(key) + unique[TAG_LENGTH:32]


def result(key: str) -> str:
    """Where the result of a piece of work is kept."""
    return f"{PREFIX}result:{_tagged(key)}"


def result_pattern(kind: str) -> str:
    """A SCAN pattern matching the result of every piece of work of one kind."""
    return f"{PREFIX}result:{kind}:*"


def inflight(key: str) -> str:
    """Which job is computing a piece of work right now."""
    return f"{PREFIX}inflight:{_tagged(key)}"


def job(job_id: str) -> str:
    """The record of one job (in the slot of its work: the id starts with the work's tag)."""
    return f"{PREFIX}job:{{{job_id[:TAG_LENGTH]}}}{job_id[TAG_LENGTH:]}"


def job_pattern() -> str:
    """A SCAN pattern matching every job's record."""
    return f"{PREFIX}job:*"


def job_of(name: str) -> str:
    """The job id of a job's record key (the inverse of `job`)."""
    return name.removeprefix(f"{PREFIX}job:").replace("{", "").replace("}", "")


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
    """A rate-limit counter, tagged by its family (the name's first part): one throttle's counters share a slot."""
    family, _, rest = name.partition(":")
    return f"{PREFIX}rate:{{{family}}}:{rest}"


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
    return f"{PREFIX}seed:{{{run_id}}}"


def seed_chunks(run_id: str, stage: str) -> str:
    """The chunks of one stage of a seed run that were counted."""
    return f"{PREFIX}seed:{{{run_id}}}:chunks:{stage}"


def seed_spans(run_id: str) -> str:
    """The first start and last end of each store's chunks in a seed run."""
    return f"{PREFIX}seed:{{{run_id}}}:spans"


def seed_sent(run_id: str, stage: str) -> str:
    """The marker that the stage after this one of a seed run was sent."""
    return f"{PREFIX}seed:{{{run_id}}}:sent:{stage}"


def seed_pattern() -> str:
    """A SCAN pattern matching every key of every seed run, the live-run marker and the leases."""
    return f"{PREFIX}seed*"


def export_job(user_id: int, job_id: str) -> str:
    """Which export of a member a job makes (set when the member asks for it: no one else finds it)."""
    return f"{PREFIX}export:{user_id}:job:{job_id}"


def export_files(user_id: int, export_id: str) -> str:
    """The files of one export of a member, by name."""
    return f"{PREFIX}export:{user_id}:files:{export_id}"

"""Invalidation: drop exactly the cached entries a change affects, in Redis and in every process.

Every change to films or people also moves the catalogue version (`mv:catalogue:version`),
announced in the same message as `catalogue-version=N`. Cached list pages carry the version
in their keys, so a change reaches every cached page at once without finding them.
"""

from __future__ import annotations

from redis.asyncio import Redis

from cache import keys
from cache.client import database, is_cluster, script

CATALOGUE = "catalogue"
VERSION = "catalogue-version="

# KEYS: the version counter, then the cache entries to delete (on one Redis; a cluster keeps them in other
# slots). ARGV: channel, message, bump ('1' or '0'), the version token. Deletes the entries, moves the version
# if asked and publishes the message with it.
_ANNOUNCE_LUA = b"""
if #KEYS > 1 then redis.call('DEL', unpack(KEYS, 2)) end
local message = ARGV[2]
if ARGV[3] == '1' then
  local version = ARGV[4] .. redis.call('INCR', KEYS[1])
  if message == '' then message = version else message = message .. ' ' .. version end
end
redis.call('PUBLISH', ARGV[1], message)
"""
_ANNOUNCE = script(_ANNOUNCE_LUA)


async def _announce(redis: Redis, entries: list[str], words: list[str], catalogue: bool) -> None:
    """Delete the entries, move the version and publish, in one script; on a cluster, where the entries live
    in other slots than the version, the delete goes first, so a process that hears the message finds them gone."""
    channel = keys.channel(keys.INVALIDATE, database(redis))
    deleted = entries
    if is_cluster(redis) and entries:
        await redis.delete(*entries)
        deleted = []
    await _ANNOUNCE(keys=[keys.CATALOGUE_VERSION, *deleted],
                    args=[channel, " ".join([*entries, *words]), 1 if catalogue else 0, VERSION], client=redis)


async def catalogue_version(redis: Redis) -> int:
    """The current catalogue version (0 before the first change)."""
    return int(await redis.get(keys.CATALOGUE_VERSION) or 0)


def movie_keys(movie_id: int) -> list[str]:
    """The cache-aside entries that hold one movie's data."""
    return [keys.cached(keys.movie_entry(movie_id))]


async def movie_changed(redis: Redis, movie_id: int, catalogue: bool = True) -> None:
    """Forget everything cached about one movie, and tell the in-process tiers to do the same.

    `catalogue=False` for changes that lists may show late (a film's reviewer statistics).
    """
    await entries_changed(redis, [keys.movie_entry(movie_id)], catalogue)


ANNOUNCE_BATCH = 500


async def movies_changed(redis: Redis, movie_ids: list[int]) -> None:
    """Forget the cached details of many films whose lists need not change (their library counts moved),
    a few hundred films per announcement."""
    for start in range(0, len(movie_ids), ANNOUNCE_BATCH):
        await entries_changed(redis, [keys.movie_entry(m) for m in movie_ids[start : start + ANNOUNCE_BATCH]],
                              catalogue=False)


async def entries_changed(redis: Redis, names: list[str], catalogue: bool = True) -> None:
    """Forget the named cache-aside entries (e.g. `movie:5`, `person:9`) here and in every process;
    `catalogue` moves the catalogue version too (a film or person changed)."""
    if names:
        await _announce(redis, [keys.cached(name) for name in names], [], catalogue)


async def catalogue_changed(redis: Redis) -> None:
    """Say that films or people changed in bulk: the catalogue version moves, and in-process copies of the
    catalogue load it again once the changes have stopped (cached pages are left alone; `everything` drops them)."""
    await _announce(redis, [], [CATALOGUE], True)


async def everything(redis: Redis) -> int:
    """Forget every cached read and search result (after a bulk load); returns how many entries went.

    On a cluster, SCAN visits every primary node."""
    removed = 0
    for pattern in (keys.cached("*"), keys.result_pattern("search")):
        async for name in redis.scan_iter(match=pattern, count=1000):
            removed += await redis.delete(name)
    await _announce(redis, [], ["*"], True)
    return removed


async def recommendations_changed(redis: Redis, user_id: int) -> None:
    """Forget a user's cached recommendations (their next request recomputes them)."""
    await redis.delete(keys.result(keys.recommendations(user_id)))

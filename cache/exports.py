"""The files of a member's exports, kept in Redis for a while, found only through the member's own keys.

The front door links a job to the export it makes under the member's id when the member asks for it; the
worker stores the files under the member's id too. A job id alone, or another member's id, finds nothing.
"""

from __future__ import annotations

from typing import cast

from redis.asyncio import Redis

from cache import keys


async def link(redis: Redis, user_id: int, job_id: str, export_id: str, ttl: int) -> None:
    """Record that the member's job makes this export."""
    await redis.set(keys.export_job(user_id, job_id), export_id, ex=ttl)


async def linked(redis: Redis, user_id: int, job_id: str) -> str | None:
    """The export the member's job makes, or None (not theirs, unknown, or expired)."""
    found = cast("bytes | None", await redis.get(keys.export_job(user_id, job_id)))
    return None if found is None else found.decode()


async def store(redis: Redis, user_id: int, export_id: str, files: dict[str, bytes], ttl: int) -> None:
    """Keep the export's files (all at once) for `ttl` seconds."""
    key = keys.export_files(user_id, export_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.hset(key, mapping=files)  # type: ignore[arg-type]
        pipe.expire(key, ttl)
        await pipe.execute()


async def read(redis: Redis, user_id: int, export_id: str, name: str) -> tuple[bool, bytes | None]:
    """(whether the export's files are there, the named file or None)."""
    key = keys.export_files(user_id, export_id)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.exists(key)
        pipe.hget(key, name)
        present, body = await pipe.execute()
    return bool(present), body

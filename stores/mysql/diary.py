"""The diary: dated watches of films by a member (several of one film are rewatches), each write with its
follow-up in the same transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from errors import NotFound
from stores.mysql import Pool, accounts, outbox, transaction
from stores.outbox import LIBRARY_CHANGED, Message
from timestamps import iso

COLUMNS = "id, user_id, movie_id, watched_on, rating, rewatch, note, created_at, updated_at"


def _iso(moment: datetime) -> str:
    return iso(moment.replace(tzinfo=UTC))


def public(row: tuple[Any, ...]) -> dict[str, Any]:
    """The public document of a diary row."""
    entry_id, user_id, movie_id, watched_on, rating, rewatch, note, created, updated = row
    return {"id": int(entry_id), "user_id": int(user_id), "movie_id": int(movie_id),
            "watched_on": watched_on.isoformat(), "rating": None if rating is None else int(rating),
            "rewatch": bool(rewatch), "note": note, "created_at": _iso(created), "updated_at": _iso(updated)}


async def create_entry(pool: Pool, user_id: int, movie_id: int, watched_on: date, rating: int | None,
                       rewatch: bool, note: str) -> tuple[dict[str, Any], Message]:
    """Record a watch and its follow-up in one transaction."""
    now = datetime.now(UTC).replace(tzinfo=None)
    async with transaction(pool) as cur:
        await accounts.guard(cur, user_id)
        entry_id = await insert(cur, user_id, movie_id, watched_on, rating, rewatch, note, now)
        message = await outbox.add(cur, LIBRARY_CHANGED, {"user_id": user_id})
    return public((entry_id, user_id, movie_id, watched_on, rating, rewatch, note, now, now)), message


async def insert(cur: Any, user_id: int, movie_id: int, watched_on: date, rating: int | None, rewatch: bool,
                 note: str, now: datetime) -> int:
    """Write one entry inside the caller's transaction (which holds the author's guard); its id."""
    await cur.execute(
        "INSERT INTO diary_entries (user_id, movie_id, watched_on, rating, rewatch, note, created_at, updated_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (user_id, movie_id, watched_on, rating, int(rewatch), note, now, now))
    return int(cur.lastrowid)


async def rate(cur: Any, entry_id: int, rating: int, now: datetime) -> None:
    """Give an entry a rating inside the caller's transaction (which holds the author's guard)."""
    await cur.execute("UPDATE diary_entries SET rating = %s, updated_at = %s WHERE id = %s", (rating, now, entry_id))


async def get_entry(pool: Pool, entry_id: int) -> dict[str, Any] | None:
    """One entry, or None."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT {COLUMNS} FROM diary_entries WHERE id = %s", (entry_id,))
        row = await cur.fetchone()
    return None if row is None else public(row)


async def list_entries(pool: Pool, user_id: int, *, year: int | None = None, month: int | None = None,
                       skip: int = 0, limit: int = 20) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page) of a member's entries, newest watch first, filtered by the year (and month) watched."""
    where: list[str] = ["user_id = %s"]
    args: list[Any] = [user_id]
    if year is not None:
        first = date(year, month or 1, 1)
        after = date(year + 1, 1, 1) if month in (None, 12) else date(year, (month or 0) + 1, 1)
        where.append("watched_on >= %s AND watched_on < %s")
        args += [first, after]
    clause = " AND ".join(where)
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT COUNT(*) FROM diary_entries WHERE {clause}", tuple(args))
        total = int((await cur.fetchone())[0])
        await cur.execute(f"SELECT {COLUMNS} FROM diary_entries WHERE {clause}"
                          " ORDER BY watched_on DESC, id DESC LIMIT %s OFFSET %s", (*args, limit, skip))
        rows = await cur.fetchall()
    return total, [public(r) for r in rows]


async def update_entry(pool: Pool, entry_id: int, changes: dict[str, Any]) -> tuple[dict[str, Any], Message]:
    """Change an entry's date, rating, rewatch flag or note and queue its follow-up, in one transaction."""
    now = datetime.now(UTC).replace(tzinfo=None)
    values = {name: int(value) if name == "rewatch" else value for name, value in changes.items()}
    sets = ", ".join(f"{name} = %s" for name in values)
    async with transaction(pool) as cur:
        await cur.execute("SELECT user_id FROM diary_entries WHERE id = %s", (entry_id,))
        author = await cur.fetchone()
        if author is None:
            raise NotFound(f"No diary entry with id {entry_id}.")
        await accounts.guard(cur, int(author[0]))
        await cur.execute(f"UPDATE diary_entries SET {sets}, updated_at = %s WHERE id = %s",
                          (*values.values(), now, entry_id))
        await cur.execute(f"SELECT {COLUMNS} FROM diary_entries WHERE id = %s", (entry_id,))
        row = await cur.fetchone()
        message = await outbox.add(cur, LIBRARY_CHANGED, {"user_id": int(row[1])})
    return public(row), message


async def delete_entry(pool: Pool, entry: dict[str, Any]) -> Message:
    """Delete an entry, clear the link of the review that pointed at it (the review stays) and queue the
    follow-up, in one transaction."""
    async with transaction(pool) as cur:
        await cur.execute("DELETE FROM diary_entries WHERE id = %s", (entry["id"],))
        await cur.execute("UPDATE reviews SET diary_entry_id = NULL WHERE diary_entry_id = %s", (entry["id"],))
        return await outbox.add(cur, LIBRARY_CHANGED, {"user_id": entry["user_id"]})


async def watches(pool: Pool, user_id: int, movie_id: int) -> dict[str, Any]:
    """How often the member watched the film, the last date, and the rating of the last rated watch."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*), MAX(watched_on) FROM diary_entries WHERE user_id = %s AND movie_id = %s",
                          (user_id, movie_id))
        times, last = await cur.fetchone()
        await cur.execute("SELECT rating FROM diary_entries WHERE user_id = %s AND movie_id = %s"
                          " AND rating IS NOT NULL ORDER BY watched_on DESC, id DESC LIMIT 1", (user_id, movie_id))
        rated = await cur.fetchone()
    return {"times": int(times), "last_watched_on": last.isoformat() if last else None,
            "rating": int(rated[0]) if rated else None}

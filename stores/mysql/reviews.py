"""Reviews: one per user and movie, each may point at its author's diary entry of the film; writes carry their
follow-up messages in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aiomysql
import pymysql

from errors import Conflict, NotFound, Unprocessable
from stores.mysql import Pool, accounts, outbox, transaction
from stores.outbox import REVIEW_CHANGED, Message
from timestamps import iso

COLUMNS = "id, movie_id, user_id, username, rating, title, body, created_at, updated_at, diary_entry_id"
SORTS = {"-created_at": "created_at DESC, id DESC", "created_at": "created_at ASC, id ASC",
         "-rating": "rating DESC, id DESC", "rating": "rating ASC, id ASC"}
DUPLICATE = 1062


def _iso(moment: datetime) -> str:
    return iso(moment.replace(tzinfo=UTC))


def public(row: tuple[Any, ...]) -> dict[str, Any]:
    """The public document of a review row."""
    review_id, movie_id, user_id, username, rating, title, body, created, updated, entry_id = row
    return {"id": int(review_id), "movie_id": int(movie_id), "user": {"id": int(user_id), "username": username},
            "rating": int(rating), "title": title, "body": body, "created_at": _iso(created),
            "updated_at": _iso(updated), "diary_entry_id": None if entry_id is None else int(entry_id)}


async def _check_entry(cur: aiomysql.Cursor, entry_id: int, user_id: int, movie_id: int) -> None:
    """The diary entry a review points at must be its author's, of the same film (422 naming the field).

    The entry is read under a shared lock, so it cannot be deleted before the review's transaction commits
    (and a deletion after it clears the link)."""
    await cur.execute("SELECT user_id, movie_id FROM diary_entries WHERE id = %s LOCK IN SHARE MODE", (entry_id,))
    found = await cur.fetchone()
    if found is None or int(found[0]) != user_id:
        raise Unprocessable(f"No diary entry of yours with id {entry_id}.",
                            errors={"diary_entry_id": ["Not one of your diary entries."]})
    if int(found[1]) != movie_id:
        raise Unprocessable(f"Diary entry {entry_id} is of another film.",
                            errors={"diary_entry_id": ["Must be an entry of the reviewed film."]})


async def count(pool: Pool) -> int:
    """How many reviews there are."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute("SELECT COUNT(*) FROM reviews")
        row = await cur.fetchone()
    return int(row[0])


async def create_review(pool: Pool, user: dict[str, Any], movie_id: int, rating: int, title: str,
                        body: str, diary_entry_id: int | None = None) -> tuple[dict[str, Any], Message]:
    """Insert a review (of the author's diary entry, if given) and its follow-up message in one transaction;
    409 if the user reviewed it already, 422 if the entry is not theirs or of another film."""
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        async with transaction(pool) as cur:
            await accounts.guard(cur, user["id"])
            if diary_entry_id is not None:
                await _check_entry(cur, diary_entry_id, user["id"], movie_id)
            await cur.execute(
                "INSERT INTO reviews (movie_id, user_id, username, rating, title, body, created_at, updated_at,"
                " diary_entry_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (movie_id, user["id"], user["username"], rating, title, body, now, now, diary_entry_id),
            )
            review_id = cur.lastrowid
            message = await outbox.add(cur, REVIEW_CHANGED, {"movie_id": movie_id, "user_id": user["id"]})
    except pymysql.err.IntegrityError as exc:
        if exc.args and exc.args[0] == DUPLICATE:
            raise Conflict("You have already reviewed this movie; change that review instead.",
                           errors={"movie_id": ["Already reviewed by you."]}) from exc
        raise
    review = public((review_id, movie_id, user["id"], user["username"], rating, title, body, now, now,
                     diary_entry_id))
    return review, message


async def get_review(pool: Pool, review_id: int) -> dict[str, Any] | None:
    """One review, or None."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT {COLUMNS} FROM reviews WHERE id = %s", (review_id,))
        row = await cur.fetchone()
    return None if row is None else public(row)


async def user_review(pool: Pool, user_id: int, movie_id: int) -> dict[str, Any] | None:
    """The user's review of the movie, or None."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT {COLUMNS} FROM reviews WHERE user_id = %s AND movie_id = %s", (user_id, movie_id))
        row = await cur.fetchone()
    return None if row is None else public(row)


def _filters(movie_id: int | None, user_id: int | None, min_rating: int | None) -> tuple[list[str], list[Any]]:
    where, args = [], []
    for column, value, op in (("movie_id", movie_id, "="), ("user_id", user_id, "="),
                              ("rating", min_rating, ">=")):
        if value is not None:
            where.append(f"{column} {op} %s")
            args.append(value)
    return where, args


def _where(where: list[str]) -> str:
    return f"WHERE {' AND '.join(where)}" if where else ""


# A keyset page follows its key by (sort column, id) in the sort's direction.
AFTER = {"-created_at": ("created_at", "<"), "created_at": ("created_at", ">"), "-rating": ("rating", "<"),
         "rating": ("rating", ">")}
Key = tuple[Any, int]  # a review's sort value (created_at as ISO 8601, or its rating) and its id


def _key(row: tuple[Any, ...], sort: str) -> Key:
    return (row[7].isoformat() if sort.endswith("created_at") else int(row[4])), int(row[0])


async def list_reviews_after(pool: Pool, *, movie_id: int | None = None, user_id: int | None = None,
                             min_rating: int | None = None, sort: str = "-created_at", key: Key | None = None,
                             limit: int = 20) -> tuple[int, list[dict[str, Any]], Key | None]:
    """A keyset page: (total matching, the reviews after `key` in the sort, from the start without one; the key
    of the last of them while more follow)."""
    where, args = _filters(movie_id, user_id, min_rating)
    page_where, page_args = list(where), list(args)
    if key is not None:
        column, op = AFTER[sort]
        value = datetime.fromisoformat(key[0]) if column == "created_at" else int(key[0])
        page_where.append(f"({column} {op} %s OR ({column} = %s AND id {op} %s))")
        page_args += [value, value, key[1]]
    total, rows = await _counted(pool, (where, args), (page_where, page_args), sort, "LIMIT %s", [limit + 1])
    more = len(rows) > limit
    return total, [public(r) for r in rows[:limit]], _key(rows[limit - 1], sort) if more else None


async def list_reviews(pool: Pool, *, movie_id: int | None = None, user_id: int | None = None,
                       min_rating: int | None = None, sort: str = "-created_at", skip: int = 0,
                       limit: int = 20) -> tuple[int, list[dict[str, Any]]]:
    """(total, one page) of reviews matching the filters."""
    where, args = _filters(movie_id, user_id, min_rating)
    total, rows = await _counted(pool, (where, args), (where, args), sort, "LIMIT %s OFFSET %s", [limit, skip])
    return total, [public(r) for r in rows]


async def _counted(pool: Pool, counted: tuple[list[str], list[Any]], listed: tuple[list[str], list[Any]], sort: str,
                   tail: str, tail_args: list[Any]) -> tuple[int, list[tuple[Any, ...]]]:
    """How many reviews the `counted` conditions match, and the rows of the `listed` ones in the sort, `tail`
    (LIMIT, OFFSET) after them."""
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT COUNT(*) FROM reviews {_where(counted[0])}", tuple(counted[1]))
        total = int((await cur.fetchone())[0])
        await cur.execute(f"SELECT {COLUMNS} FROM reviews {_where(listed[0])} ORDER BY {SORTS[sort]} {tail}",
                          (*listed[1], *tail_args))
        return total, list(await cur.fetchall())


async def update_review(pool: Pool, review_id: int, changes: dict[str, Any]) -> tuple[dict[str, Any], Message]:
    """Change a review's rating, title, body or diary entry (None: none) and queue its follow-up, in one
    transaction; 422 if the entry is not the author's or of another film."""
    now = datetime.now(UTC).replace(tzinfo=None)
    sets = ", ".join(f"{name} = %s" for name in changes)
    async with transaction(pool) as cur:
        await cur.execute("SELECT user_id, movie_id FROM reviews WHERE id = %s", (review_id,))
        author = await cur.fetchone()
        if author is None:
            raise NotFound(f"No review with id {review_id}.")
        await accounts.guard(cur, int(author[0]))
        if changes.get("diary_entry_id") is not None:
            await _check_entry(cur, changes["diary_entry_id"], int(author[0]), int(author[1]))
        await cur.execute(f"UPDATE reviews SET {sets}, updated_at = %s WHERE id = %s",
                          (*changes.values(), now, review_id))
        await cur.execute(f"SELECT {COLUMNS} FROM reviews WHERE id = %s", (review_id,))
        row = await cur.fetchone()
        message = await outbox.add(cur, REVIEW_CHANGED, {"movie_id": int(row[1]), "user_id": int(row[2])})
    return public(row), message


async def delete_review(pool: Pool, review: dict[str, Any]) -> Message:
    """Delete a review and queue its follow-up, in one transaction; returns the follow-up."""
    async with transaction(pool) as cur:
        await cur.execute("DELETE FROM reviews WHERE id = %s", (review["id"],))
        message = await outbox.add(cur, REVIEW_CHANGED,
                                   {"movie_id": review["movie_id"], "user_id": review["user"]["id"]})
    return message


async def review_counts(pool: Pool, user_ids: list[int]) -> dict[int, int]:
    """How many reviews each of the given users wrote."""
    if not user_ids:
        return {}
    marks = ", ".join(["%s"] * len(user_ids))
    async with pool.acquire() as conn, conn.cursor() as cur:
        await cur.execute(f"SELECT user_id, COUNT(*) FROM reviews WHERE user_id IN ({marks}) GROUP BY user_id",
                          tuple(user_ids))
        return {int(u): int(n) for u, n in await cur.fetchall()}


async def delete_user_reviews(pool: Pool, user_id: int) -> list[Message]:
    """Delete every review by a user and queue each film's refresh, in one transaction.

    Returns one follow-up per film (its kwargs name the movie): if the caller dies before refreshing
    the films, the outbox relay still sends their refresh, so the statistics never keep a deleted review.
    """
    async with transaction(pool) as cur:
        await cur.execute("SELECT DISTINCT movie_id FROM reviews WHERE user_id = %s FOR UPDATE", (user_id,))
        movies = [int(r[0]) for r in await cur.fetchall()]
        await cur.execute("DELETE FROM reviews WHERE user_id = %s", (user_id,))
        queued = [await outbox.add(cur, REVIEW_CHANGED, {"movie_id": movie, "user_id": user_id})
                  for movie in movies]
    return queued
